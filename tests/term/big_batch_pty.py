#!/usr/bin/env python3
"""A 20,000-policy batch on a pseudo-terminal: one progress line on stderr, redrawn in place
(carriage return + clear-to-end, never a newline of its own, never glued to another line), and
a summary by outcome and rung instead of a 20,000-row table; -q prints the totals on one line."""
import os, re, subprocess, tempfile

from termkit import MEND, check, failures, finish, run_on_pty

N = int(os.environ.get("MEND_BIG_N", "20000"))


def scenario(path, n):
    with open(path, "w") as f:
        f.write("-- %d stuck policies; every 100th is held by a program mend does not know.\n" % n)
        f.write("local policies, handles = {}, {}\n")
        f.write("for i = 1, %d do\n" % n)
        f.write("  local name = string.format('Big-QM-%05d', i)\n")
        f.write("  policies[i] = { name = name, state = 'pending_deletion' }\n")
        f.write("  if i % 100 == 0 then handles[#handles + 1] = { pid = 5000, policy = name } end\n")
        f.write("end\n")
        f.write("return { policies = policies, handles = handles,\n")
        f.write("  processes = { { pid = 4, name = 'System' }, { pid = 5000, name = 'holder.exe', ipsec_client = true } } }\n")


with tempfile.TemporaryDirectory(dir=os.environ.get("MEND_TEST_TMP")) as work:
    scen = os.path.join(work, "big.lua")
    scenario(scen, N)
    with open(os.path.join(work, "list.txt"), "w") as f:
        f.write("".join("Big-QM-%05d\n" % i for i in range(1, N + 1)))
    env = dict(os.environ, MEND_STATE_DIR=os.path.join(work, "state"), COLUMNS="100", TERM="xterm")
    env.pop("NO_COLOR", None)
    state = os.path.join(work, "state.lua")
    subprocess.run([MEND, "sim", "init", scen, "--host", "sim:" + state, "-q"], check=True, env=env)

    rc, out = run_on_pty([MEND, "batch", os.path.join(work, "list.txt"), "--host", "sim:" + state,
                          "--color=never"], env)
    text = out.decode("utf-8", "replace")
    lines = text.replace("\r\n", "\n").split("\n")
    check(rc == 1, "exit code %d, expected 1 (the held ones stay blocked)" % rc)
    # Progress: redrawn in place; each redraw starts with \r and clears the rest of the line.
    redraws = re.findall(r"\r  \[[#-]+\] (\d+)/%d[^\r\n]*?\x1b\[K" % N, text)
    check(len(redraws) >= 2, "%d progress redraws seen" % len(redraws))
    check(redraws and int(redraws[-1]) == N, "last redraw %s, expected %d/%d" % (redraws[-1:] , N, N))
    check(any("fixed " in l and "ETA" in l for l in text.split("\r")), "no redraw with per-outcome counts and an ETA")
    # Never glued: no progress text on a line that also holds other output.
    for l in lines:
        pieces = [s for s in re.split(r"\r(?:\x1b\[K)?", l) if s.strip()]
        last = pieces[-1] if pieces else ""
        check(not re.search(r"\] \d+/%d" % N, last), "a progress line was left on screen: %r" % l[:120])
        if len(failures) > 5:
            break
    # A summary, not a 20,000-row table and not 48,000 step lines.
    check(len(lines) < 150, "%d lines of output for %d policies" % (len(lines), N))
    shown = [re.split(r"\r(?:\x1b\[K)?", l)[-1] for l in lines]   # what stays on screen
    check(any(re.match(r"%d policies: .*\d+ fixed" % N, l) for l in shown), "no totals line in the summary")
    check("by rung:" in text, "no 'by rung:' section")
    check("need attention (%d):" % (N // 100) in text, "no 'need attention' list of the blocked policies")
    check("... and %d more" % (N // 100 - 50) in text, "the attention list is not cut at 50 rows")

    # check groups its advice as fix does: the held ones that are left are one line, not 200.
    r = subprocess.run([MEND, "check", "--host", "sim:" + state], capture_output=True, text=True, env=env)
    advice = [l for l in r.stdout.split("\nadvice:\n", 1)[-1].split("\n") if l.startswith("  - ")]
    check(r.returncode == 1 and 1 <= len(advice) <= 3, "check advice: %d lines (exit %d)" % (len(advice), r.returncode))
    check(any(l.startswith("  - %d policies are pending deletion with blockers holder" % (N // 100)) for l in advice),
          "check did not group the held policies: %r" % advice[:3])

    # -q: one line of totals (the machine is fixed but for the held ones now).
    rc, out = run_on_pty([MEND, "batch", os.path.join(work, "list.txt"), "--host", "sim:" + state, "-q",
                          "--dry-run"], env)
    qlines = [l for l in out.decode().replace("\r\n", "\n").split("\n") if l.strip()]
    check(len(qlines) == 1 and qlines[0].startswith("outcome: "), "-q printed %r" % qlines[:5])

finish("big_batch_pty", text[-3000:] if failures else None)
