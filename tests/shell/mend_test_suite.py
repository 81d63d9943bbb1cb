#!/usr/bin/env python3
"""mend test on the bundled examples: passes as kept, fails with the difference when changed.

usage: mend_test_suite.py MEND SOURCE_DIR WORK_DIR
"""
import os
import shutil
import subprocess
import sys

MEND, SRC, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
state = os.path.join(WORK, "user-state")
env = dict(os.environ, MEND_STATE_DIR=state, MEND_DATA_DIR=SRC)
EX = os.path.join(SRC, "scripts", "examples")


def mend(*args):
    return subprocess.run([MEND, *args], env=env, capture_output=True, text=True, timeout=300, cwd=SRC)


def check(cond, what, r=None):
    if not cond:
        extra = f"\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}" if r else ""
        sys.exit(f"FAIL: {what}{extra}")
    print(f"ok - {what}")


for name in ("audit", "custom_ladder", "recreate_policy"):
    r = mend("test", f"scripts/examples/{name}.lua")
    check(r.returncode == 0 and ", 0 failed" in r.stdout and "FAIL" not in r.stdout,
          f"mend test passes on scripts/examples/{name}.lua", r)
r = mend("test", "scripts/fix.lua", "--expect", "scripts/examples/fix.expect.lua")
check(r.returncode == 0 and "4 passed, 0 failed" in r.stdout, "fix.lua meets its expectations on four scenarios", r)
check(not os.path.exists(state) or not os.listdir(state), "the user's state folder is never touched")

# One scenario from the command line, matched to its entry by name.
r = mend("test", "scripts/fix.lua", "--expect", "scripts/examples/fix.expect.lua",
         "--scenario", "scenarios/tests/holder.lua")
check(r.returncode == 0 and "PASS holder" in r.stdout and "1 passed" in r.stdout, "--scenario picks one", r)

# A changed expectation fails with the difference shown, the others still pass.
with open(os.path.join(EX, "fix.expect.lua")) as f:
    text = f.read()
bad = text.replace('["tests/holder"] = {\n      exit = 0', '["tests/holder"] = {\n      exit = 1', 1)
bad = bad.replace("actions = { deletes = 1, kills = 1 },", "actions = { deletes = 1, kills = 2 },", 1)
bad = bad.replace('advice = { "only a reboot can clear it now"', 'advice = { "no such advice"', 1)
check(bad != text, "the expectation file was changed for the failing run")
changed = os.path.join(WORK, "fix.expect.lua")
with open(changed, "w") as f:
    f.write(bad)
r = mend("test", "scripts/fix.lua", "--expect", changed)
check(r.returncode == 1, "a changed expectation makes mend test exit 1", r)
check("FAIL tests/holder" in r.stdout and "exit code: expected 1, got 0" in r.stdout
      and "actions kills: expected 2, got 1" in r.stdout, "the differences are shown", r)
check('FAIL tests/reboot_only' in r.stdout and 'advice: no line contains "no such advice"' in r.stdout,
      "a missing advice line is a difference", r)
check("PASS demo" in r.stdout and "2 passed, 2 failed" in r.stdout, "the suite summary counts both", r)

# Usage errors exit 2.
for args, msg in ((("test",), "needs a script"),
                  (("test", "nope.lua"), "cannot find the script"),
                  (("test", "scripts/check.lua"), "cannot find the expectations"),
                  (("--expect", "x", "fix"), "only applies to mend test")):
    r = mend(*args)
    check(r.returncode == 2 and msg in r.stderr, f"usage error: mend {' '.join(args)}", r)
broken = os.path.join(WORK, "broken.expect.lua")
with open(broken, "w") as f:
    f.write("return { scenarios = 5 }\n")
r = mend("test", "scripts/fix.lua", "--expect", broken)
check(r.returncode == 2 and "no scenarios table" in r.stderr, "an expectation file without scenarios is refused", r)
with open(broken, "w") as f:
    f.write("return { scenarios = { nowhere = { exit = 0 } } }\n")
r = mend("test", "scripts/fix.lua", "--expect", broken)
check(r.returncode == 1 and "cannot find the scenario" in r.stdout, "an unknown scenario fails", r)

# A typo or a wrong type in an expectation checks nothing: it is a difference, never a silent pass.
for entry, msg in (('exit = "0"', 'exit: expected a number, got string'),
                   ('outcome = 5', 'outcome: expected a string, got number'),
                   ('policies = 5', 'policies: expected a table, got number'),
                   ('policies = { ["Corp-QM"] = { outcom = "fixed" } }', "policy Corp-QM: unknown field 'outcom'"),
                   ('policies = { ["Corp-QM"] = { outcome = true } }', 'policy Corp-QM outcome: expected a string, got boolean'),
                   ('advice = { 5 }', 'advice[1]: expected a string, got number'),
                   ('states = { ["Corp-QM"] = 5 }', 'state of Corp-QM: expected a string, got number'),
                   ('exits = 0', "unknown field 'exits'")):
    with open(broken, "w") as f:
        f.write("return { scenarios = { demo = { %s } } }\n" % entry)
    r = mend("test", "scripts/examples/audit.lua", "--expect", broken)
    check(r.returncode == 1 and "FAIL demo" in r.stdout and msg in r.stdout, f"a malformed entry fails: {entry}", r)

# The expectations are data: a file that never returns is stopped, not waited for.
with open(broken, "w") as f:
    f.write("while true do end\n")
r = mend("test", "scripts/examples/audit.lua", "--expect", broken)
check(r.returncode == 2 and "instructions" in r.stderr, "an endless expectation file is stopped", r)
print("all mend test checks passed")
