#!/usr/bin/env python3
"""mend shell with standard input piped: no prompts or editing, values printed, scriptable.

usage: shell_piped.py MEND SOURCE_DIR WORK_DIR
"""
import os
import shutil
import subprocess
import sys

MEND, SRC, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
scen = os.path.join(WORK, "host.lua")
shutil.copy(os.path.join(SRC, "scenarios", "demo.lua"), scen)
env = dict(os.environ, MEND_STATE_DIR=os.path.join(WORK, "state"), MEND_DATA_DIR=SRC)


def shell(text, *opts):
    return subprocess.run([MEND, "--host", "sim:" + scen, *opts, "shell"], input=text, env=env,
                          capture_output=True, text=True, timeout=60)


def check(cond, what, r=None):
    if not cond:
        extra = f"\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}" if r else ""
        sys.exit(f"FAIL: {what}{extra}")
    print(f"ok - {what}")


r = shell('= 6 * 7\nt = {b = 2, a = "x", 10, 20}\nt\nfunction f(x)\n  return x, nil\nend\nf("y")\n'
          '#ipsec.policies()\nipsec.get("Corp-QM").state\n')
check(r.returncode == 0, "piped statements without errors exit 0", r)
check(r.stdout == '42\n{ 10, 20, a = "x", b = 2 }\n"y", nil\n7\n"pending_deletion"\n',
      "values printed, no prompts; tables sorted, strings quoted, multi-line chunks joined", r)

r = shell('error("bad")\n1 + 1\nproc.kill(4242)\n')
check(r.returncode == 1, "a failed statement makes the piped exit code 1", r)
check("bad" in r.stderr and r.stdout.startswith("2\n"), "the error goes to stderr and the next line runs", r)
check('nil, "stopping processes is not allowed; rerun with --allow kill", "not_permitted"' in r.stdout,
      "without a terminal a gate refuses with nil, message, not_permitted", r)

r = shell('proc.kill(4242)\n', "--allow", "kill")
check(r.returncode == 0 and r.stdout.startswith("true"), "--allow kill opens the gate in the shell", r)
with open(scen) as f:
    check("4242" not in f.read().split("processes")[1].split("handles")[0],
          "the killed process is gone from the committed state")

big = shell("local t = {} for i = 1, 500 do t[i] = i end return t\n"
            "local c = {} c.self = c return c\n"
            "return {a = {b = {c = {d = {e = 1}}}}}\n")
check(big.returncode == 0, "big, cyclic and deep tables print", big)
lines = big.stdout.splitlines()
check("(400 more)" in big.stdout, "a long table is cut after 100 items", big)
check("self = <cycle>" in big.stdout, "a cycle is marked, not followed", big)
check(lines[-1] == "{ a = { b = { c = { d = {...} } } } }", "nesting is bounded", big)

r = shell("for i = 1, 3 do\n")
check(r.returncode == 1 and "'end' expected" in r.stderr, "an unfinished chunk at end of input is reported", r)

r = shell("= 1 +\n")
check(r.returncode == 1 and "stdin:1: unexpected symbol near <eof>" in r.stderr and "near '1'" not in r.stderr,
      "= with an unfinished expression reports the expression's error, not the statement's", r)
r = shell("= 1 +\n2\n= 1 2\n")
check(r.stdout == "3\n" and "<eof> expected near '2'" in r.stderr,
      "= continues an unfinished expression on the next line; a wrong one gets its own error", r)

r = subprocess.run([MEND, "shell", "extra"], env=env, capture_output=True, text=True)
check(r.returncode == 2 and "takes no arguments" in r.stderr, "mend shell with arguments is a usage error", r)
print("all piped shell checks passed")
