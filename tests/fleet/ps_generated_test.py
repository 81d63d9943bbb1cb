#!/usr/bin/env python3
"""The fleet PowerShell scripts are exactly what contrib/powershell/generate.py makes, so the five
self-contained copies of the shared block cannot drift apart. Usage: ps_generated_test.py SOURCE_DIR TMP_DIR"""
import glob
import os
import shutil
import subprocess
import sys


def check(contrib):
    gen = os.path.join(contrib, "powershell", "generate.py")
    run = subprocess.run([sys.executable, gen, "--check"], capture_output=True, text=True)
    return run.returncode, run.stdout + run.stderr


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def main():
    source_dir, tmp = sys.argv[1], sys.argv[2]
    contrib = os.path.join(source_dir, "contrib")

    code, out = check(contrib)
    if code != 0:
        fail("the committed scripts differ from the generator's output:\n" + out)

    # Every fleet script comes from the generator: none is maintained by hand beside it.
    committed = sorted(os.path.relpath(p, contrib) for p in glob.glob(os.path.join(contrib, "*", "*.ps1")))
    parts = sorted(os.path.relpath(p, os.path.join(contrib, "powershell"))[: -len(".in")]
                   for p in glob.glob(os.path.join(contrib, "powershell", "*", "*.ps1.in")))
    if committed != parts:
        fail("scripts %s but sources for %s" % (committed, parts))
    if len(committed) != 5:
        fail("expected the five Intune and ConfigMgr scripts, found %s" % committed)

    # The check catches drift: a hand edit to one committed copy (here its exit-code mapping).
    copy = os.path.join(tmp, "contrib")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(contrib, copy, ignore=shutil.ignore_patterns("ansible"))
    target = os.path.join(copy, "sccm", "CI-Remediation.ps1")
    with open(target, "rb") as f:
        text = f.read()
    edited = text.replace(b"    1 { Write-MendLine $summary; exit 1 }\n", b"    1 { Write-MendLine $summary; exit 0 }\n")
    if edited == text:
        fail("CI-Remediation.ps1 lost the line this test edits")
    with open(target, "wb") as f:
        f.write(edited)
    code, out = check(copy)
    if code != 1 or "sccm/CI-Remediation.ps1" not in out or "intune/" in out.split("generate.py:")[-1]:
        fail("an edited CI-Remediation.ps1 was not reported (exit %d):\n%s" % (code, out))

    # ... and regenerating restores it byte for byte.
    gen = os.path.join(copy, "powershell", "generate.py")
    subprocess.run([sys.executable, gen], check=True, capture_output=True)
    with open(target, "rb") as f:
        if f.read() != text:
            fail("regenerating did not restore CI-Remediation.ps1")
    shutil.rmtree(tmp, ignore_errors=True)
    print("ok: %d scripts match contrib/powershell" % len(committed))


if __name__ == "__main__":
    main()
