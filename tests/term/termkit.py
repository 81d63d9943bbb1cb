"""Shared by the terminal tests (imported): mend's path, check() and the failures it collects,
a run on a pseudo-terminal, and the end of a test (FAIL lines and exit 1, or "NAME: ok")."""
import os, pty, subprocess, sys

MEND = os.environ.get("MEND", "")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def run_on_pty(args, env):
    """Runs args with stdin, stdout and stderr on one pty (as a person would): (exit code, bytes)."""
    master, slave = pty.openpty()
    p = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:   # EIO once the last writer closed the pty
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    return p.wait(), out


def finish(name, context=None):
    """Exits 1 printing each failure (and context, when given), else prints NAME: ok."""
    if failures:
        print("\n".join("FAIL: " + f for f in failures))
        if context:
            print(context)
        sys.exit(1)
    print(name + ": ok")
