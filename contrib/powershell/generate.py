#!/usr/bin/env python3
"""Writes the fleet PowerShell scripts (contrib/intune/*.ps1, contrib/sccm/*.ps1) from one shared block.

Intune and Configuration Manager take each script as one self-contained file, so the committed
.ps1 files repeat the shared block; this generator keeps them from drifting apart. Sources:
  contrib/powershell/shared.ps1.in         the shared block (its leading comment is dropped)
  contrib/powershell/<tool>/<Name>.ps1.in  one script, with a line "#@shared" where the block goes
Output: contrib/<tool>/<Name>.ps1, with a note under its header comment saying it is generated.

  python3 contrib/powershell/generate.py          rewrite the scripts
  python3 contrib/powershell/generate.py --check  exit 1 if a committed script differs (tests/fleet)
"""
import difflib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CONTRIB = os.path.dirname(HERE)
MARKER = "#@shared\n"


def read(path):
    # Bytes in, so a stray BOM or CRLF in a source shows up as a difference rather than vanishing.
    with open(path, "rb") as f:
        data = f.read()
    try:
        return data.decode("ascii")
    except UnicodeDecodeError as e:
        # Windows PowerShell 5.1 reads a BOM-less script in the ANSI code page: ASCII only.
        sys.exit("generate.py: %s: byte 0x%02X at offset %d is not ASCII" % (path, data[e.start], e.start))


def shared_block():
    text = read(os.path.join(HERE, "shared.ps1.in"))
    head, sep, body = text.partition("\n\n")
    if not sep or not all(line.startswith("#") for line in head.splitlines()):
        sys.exit("generate.py: shared.ps1.in must start with a comment block and a blank line")
    return body


def sources():
    """(source path, output path relative to contrib) for every script part, sorted."""
    found = []
    for tool in sorted(os.listdir(HERE)):
        folder = os.path.join(HERE, tool)
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            if name.endswith(".ps1.in"):
                found.append((os.path.join(folder, name), tool + "/" + name[: -len(".in")]))
    return found


def render(source, out_rel, block):
    text = read(source)
    if text.count(MARKER) != 1:
        sys.exit("generate.py: %s needs exactly one line '#@shared'" % source)
    lines = text.splitlines(keepends=True)
    # The note goes at the end of the header comment, so the first line still says what the file is.
    top = next((i for i, line in enumerate(lines) if not line.startswith("#")), len(lines))
    src_rel = "contrib/powershell/" + out_rel + ".in"
    note = [
        "#\n",
        "# GENERATED from %s and contrib/powershell/shared.ps1.in\n" % src_rel,
        "# by contrib/powershell/generate.py: edit those, not this file, then run\n",
        "# \"python3 contrib/powershell/generate.py\" (tests/fleet fails when they differ).\n",
    ]
    return "".join(lines[:top] + note + lines[top:]).replace(MARKER, block)


def main(argv):
    check = argv[1:] == ["--check"]
    if argv[1:] and not check:
        sys.exit("usage: generate.py [--check]")
    block = shared_block()
    stale = []
    for source, out_rel in sources():
        want = render(source, out_rel, block).encode("ascii")
        path = os.path.join(CONTRIB, out_rel)
        have = open(path, "rb").read() if os.path.exists(path) else None
        if have == want:
            continue
        if check:
            stale.append(out_rel)
            old = (have or b"").decode("utf-8", "replace").splitlines(keepends=True)
            sys.stdout.writelines(difflib.unified_diff(old, want.decode("ascii").splitlines(keepends=True),
                                                       "committed/" + out_rel, "generated/" + out_rel))
        else:
            with open(path, "wb") as f:
                f.write(want)
            print("wrote contrib/" + out_rel)
    if stale:
        print("generate.py: %s differ from what contrib/powershell generates; "
              "run python3 contrib/powershell/generate.py" % ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
