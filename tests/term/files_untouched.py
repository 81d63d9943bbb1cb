#!/usr/bin/env python3
"""Files: a read-only run (check, --dry-run, a fix that changes nothing) leaves a --host sim:FILE
file byte-for-byte as it was, comments and all, and leaves no FILE.lock beside it; a run that
changes the machine saves it; `mend sim reset`/`init` refuse to overwrite a file mend never wrote
unless --force; a run that waits for a lock says who holds it (pid, command, since when)."""
import hashlib, os, subprocess, tempfile, time

from termkit import MEND, check, finish


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def mend(env, *args, **kw):
    return subprocess.run([MEND, *args], capture_output=True, text=True, env=env, **kw)


HAND_WRITTEN = """-- A lab machine, written by hand: these comments must survive a check.
return {
  policies = {
    { name = "Lab-QM",     state = "pending_deletion" },   -- the stuck one
    { name = "Lab-Active", state = "active" },
  },
}
"""

with tempfile.TemporaryDirectory(dir=os.environ.get("MEND_TEST_TMP")) as work:
    env = dict(os.environ, MEND_STATE_DIR=os.path.join(work, "state"))
    lab = os.path.join(work, "lab.lua")
    with open(lab, "w") as f:
        f.write(HAND_WRITTEN)
    before = digest(lab)
    host = "sim:" + lab
    stamp = os.stat(lab).st_mtime_ns

    for args, want_rc in [(("check",), 1), (("check", "Lab-Active"), 0), (("fix", "--dry-run"), 0),
                          (("fix", "Lab-Active"), 0), (("sim", "show"), 0),
                          (("batch", "-", "--dry-run"), 0)]:
        r = mend(env, "--host", host, *args, input="Lab-QM\n")
        what = "mend %s" % " ".join(args)
        check(r.returncode == want_rc, "%s: exit %d, expected %d: %s" % (what, r.returncode, want_rc, r.stderr))
        check(digest(lab) == before, "%s changed the hand-written scenario" % what)
        check(os.stat(lab).st_mtime_ns == stamp, "%s rewrote the scenario (same bytes, new file)" % what)
        check(not os.path.exists(lab + ".lock"), "%s left %s.lock behind" % (what, lab))
        check(sorted(os.listdir(work)) == ["lab.lua", "state"] or sorted(os.listdir(work)) == ["lab.lua"],
              "%s left files beside the scenario: %s" % (what, sorted(os.listdir(work))))

    # Not mend's file: reset and init refuse, and change nothing; --force overwrites.
    for verb in (("sim", "reset"), ("sim", "init", os.path.join(os.environ["MEND_SOURCE_DIR"], "scenarios/demo.lua"))):
        r = mend(env, *verb, "--host", host)
        check(r.returncode == 2, "mend %s over a hand-written file: exit %d" % (" ".join(verb), r.returncode))
        check("--force" in r.stderr and "not a simulator state mend wrote" in r.stderr,
              "mend %s: refusal does not say why and how: %r" % (" ".join(verb), r.stderr))
        check(digest(lab) == before, "mend %s overwrote the hand-written scenario" % " ".join(verb))
    r = mend(env, "sim", "reset", "--host", host, "--force")
    check(r.returncode == 0 and digest(lab) != before, "mend sim reset --force did not reset: %s" % r.stderr)
    # Now it is mend's: reset needs no --force, and a real fix saves what it changed.
    r = mend(env, "sim", "reset", "--host", host)
    check(r.returncode == 0, "mend sim reset of mend's own state refused: %s" % r.stderr)
    seeded = digest(lab)
    r = mend(env, "--host", host, "fix", "--allow", "all")
    check(r.returncode == 0 and digest(lab) != seeded, "a fix that changed the machine did not save it")
    check(not os.path.exists(lab + ".lock"), "mend fix left %s.lock behind" % lab)
    fixed = digest(lab)
    r = mend(env, "--host", host, "check")
    check(r.returncode == 0 and digest(lab) == fixed, "check after the fix changed the saved state")

    # The default state folder too: a check writes no state. Its file is mend's whatever is in
    # it (an older mend seeded it without the mark), so reset needs no --force there.
    state_file = os.path.join(work, "state", "sim-state.lua")
    os.makedirs(os.path.dirname(state_file), exist_ok=True)
    with open(state_file, "w") as f:
        f.write(HAND_WRITTEN)
    r = mend(env, "sim", "reset")
    check(r.returncode == 0, "mend sim reset refused the state folder's own file: %s" % r.stderr)
    d0, m0 = digest(state_file), os.stat(state_file).st_mtime_ns
    r = mend(env, "check")
    check(digest(state_file) == d0 and os.stat(state_file).st_mtime_ns == m0, "mend check rewrote sim-state.lua")
    check(not os.path.exists(state_file + ".lock"), "mend check left sim-state.lua.lock")

    # Who holds the lock: a mend shell keeps it while its input is open.
    shell = subprocess.Popen([MEND, "--host", host, "shell"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, env=env)
    for _ in range(100):
        if os.path.exists(lab + ".lock") and os.path.getsize(lab + ".lock") > 0:
            break
        time.sleep(0.05)
    waiter = subprocess.Popen([MEND, "--host", host, "check"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              env=env, text=True)
    first = waiter.stderr.readline()
    shell.stdin.close()
    shell.wait()
    rest = waiter.stderr.read()
    waiter.wait()
    check("waiting up to" in first and ("pid %d, mend shell, since " % shell.pid) in first,
          "the waiting run did not say who holds the lock: %r" % first)
    check(waiter.returncode == 0, "the waiting check did not run after the shell ended: %d %r" % (waiter.returncode, rest))
    check(not os.path.exists(lab + ".lock"), "lock file left after the shell and the check")

finish("files_untouched")
