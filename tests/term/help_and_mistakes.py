#!/usr/bin/env python3
"""mend COMMAND --help is that command's usage, options and examples (and mend help COMMAND the
same); a mistyped command, option or sim verb gets "did you mean"; exit 2 for every mistake."""
import subprocess

from termkit import MEND, check, finish


def mend(*args):
    p = subprocess.run([MEND, *args], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


# Each command's own help: its usage line, its options and an example of it.
own_option = {"fix": "--all-pending", "check": "--summary", "batch": "--resume", "run": "--unsafe",
              "sim": "--force", "capture": "--output", "apply": "--dry-run", "plan": "--yes",
              "shell": "--dry-run", "test": "--expect"}
for cmd, opt in own_option.items():
    rc, out, err = mend(cmd, "--help")
    check(rc == 0, "mend %s --help exit %d" % (cmd, rc))
    check(out.startswith("usage: mend ") and (" %s " % cmd) in out.splitlines()[0] + " ",
          "mend %s --help usage line: %r" % (cmd, out.splitlines()[:1]))
    check(opt in out, "mend %s --help does not list %s" % (cmd, opt))
    check("Examples:" in out and ("  mend %s" % cmd in out or "mend --dry-run %s" % cmd in out
                                  or "mend --host" in out), "mend %s --help has no example of it" % cmd)
    rc2, out2, _ = mend("help", cmd)
    check(rc2 == 0 and out2 == out, "mend help %s differs from mend %s --help" % (cmd, cmd))
    others = [c for c in own_option if c != cmd]
    check(not any(out.startswith("usage: mend %s " % o) for o in others), "mend %s --help is another's" % cmd)

# The global help lists every command word from the one table.
rc, out, _ = mend("--help")
check(rc == 0 and "Commands:" in out, "mend --help")
for cmd in own_option:
    check(("\n  %s " % cmd) in out, "mend --help does not list %s" % cmd)

# Did you mean.
cases = [(("fxi",), "did you mean 'fix'?"), (("chekc",), "did you mean 'check'?"),
         (("fix", "--dry-runn"), "did you mean '--dry-run'?"), (("fix", "--alow", "kill"), "did you mean '--allow'?"),
         (("sim", "rest"), "did you mean 'reset'?"), (("help", "bacth"), "did you mean 'batch'?"),
         (("fix", "--allow", "kil"), "unknown capability 'kil' for --allow; did you mean 'kill'?")]
for args, want in cases:
    rc, out, err = mend(*args)
    check(rc == 2, "mend %s: exit %d, expected 2" % (" ".join(args), rc))
    check(want in err, "mend %s: %r lacks %r" % (" ".join(args), err.strip(), want))
# Nothing close: no guess.
rc, _, err = mend("xyzzyplugh")
check(rc == 2 and "did you mean" not in err and "unknown command 'xyzzyplugh'" in err, "a far word got a guess: %r" % err)

finish("help_and_mistakes")
