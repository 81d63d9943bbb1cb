#!/usr/bin/env python3
"""The layers link one way: no library calls a function another layer defines unless it links
that layer (engine/CMakeLists.txt). Reads each static library's symbols with nm.

usage: check_links.py NM LIB=ARCHIVE=BELOW1,BELOW2 ...
"""
import subprocess
import sys


def symbols(nm, archive):
    """(defined, undefined) global symbol names of one static library."""
    out = subprocess.run([nm, "-g", archive], capture_output=True, text=True, check=True).stdout
    defined, undefined = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "U":
            undefined.add(parts[1])
        elif len(parts) == 3 and parts[1] not in ("U", "w", "v"):
            defined.add(parts[2])
    return defined, undefined


def main():
    nm, specs = sys.argv[1], sys.argv[2:]
    libs = {}
    for spec in specs:
        name, archive, below = spec.split("=", 2)
        libs[name] = (archive, set(filter(None, below.split(","))))
    syms = {name: symbols(nm, archive) for name, (archive, _) in libs.items()}
    bad = []
    for name, (_, below) in libs.items():
        undefined = syms[name][1]
        for other, (defined, _) in syms.items():
            if other == name or other in below:
                continue
            used = sorted(undefined & defined)
            if used:
                bad.append(f"{name} calls into {other}, which it does not link: {', '.join(used)}")
    for line in bad:
        print(line)
    if not bad:
        print(f"{len(libs)} layers, every call goes down")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
