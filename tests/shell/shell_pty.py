#!/usr/bin/env python3
"""mend shell driven through a real pseudo-terminal: editing, completion, results, history, gates.

usage: shell_pty.py MEND SOURCE_DIR WORK_DIR
"""
import os
import pty
import re
import select
import shutil
import signal
import subprocess
import sys
import time

MEND, SRC, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
ANSI = re.compile(rb"\x1b\[[0-9;]*[A-Za-z]")


class Term:
    def __init__(self, *args):
        self.state = os.path.join(WORK, "state")
        env = dict(os.environ, TERM="xterm", MEND_STATE_DIR=self.state, MEND_DATA_DIR=SRC)
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execve(MEND, [MEND, *args, "shell"], env)
        self.buf = b""

    def send(self, data):
        os.write(self.fd, data.encode() if isinstance(data, str) else data)

    def read_some(self, timeout):
        r, _, _ = select.select([self.fd], [], [], timeout)
        if not r:
            return False
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:
            return False
        if not chunk:
            return False
        self.buf += chunk
        return True

    def expect(self, pattern, what, timeout=10):
        """Waits for pattern in the screen text (escape sequences removed) since the last expect."""
        deadline = time.time() + timeout
        rx = re.compile(pattern.encode() if isinstance(pattern, str) else pattern)
        while True:
            text = ANSI.sub(b"", self.buf).replace(b"\r", b"")
            m = rx.search(text)
            if m:
                self.buf = text[m.end():]
                return text[:m.end()]
            left = deadline - time.time()
            if left <= 0 or not self.read_some(left):
                text = ANSI.sub(b"", self.buf).replace(b"\r", b"")
                m = rx.search(text)
                if m:
                    self.buf = text[m.end():]
                    return text[:m.end()]
                sys.exit(f"FAIL: {what}: {pattern!r} not seen; screen had:\n{text.decode(errors='replace')}")

    def ready(self):
        """Waits for the prompt: keys typed before it arrive in cooked mode, as in any shell."""
        self.expect(r"> $", "the prompt")

    def wait_exit(self, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
            self.read_some(0.1)
        sys.exit("FAIL: the shell did not exit")


def check(cond, what):
    if not cond:
        sys.exit(f"FAIL: {what}")
    print(f"ok - {what}")


shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
scen = os.path.join(WORK, "host.lua")
shutil.copy(os.path.join(SRC, "scenarios", "demo.lua"), scen)

t = Term("--host", "sim:" + scen)
t.expect(r"shell on sim", "banner")
t.expect(r"> $", "first prompt")

# Completion: one candidate completes in place; a module name; several are listed.
t.send("ipsec.de\t")
t.expect(r"> ipsec\.delete", "ipsec.de<TAB> completes to ipsec.delete")
t.send("\x15")  # Ctrl-U clears the line
t.send("ip\t")
screen = t.expect(r"ipairs +ipsec", "ip<TAB> lists ipairs and ipsec (both globals)")
t.send("s\t")
t.expect(r"> ipsec$", "ips<TAB> completes to ipsec")
t.send(".\t")
screen = t.expect(r"ipsec\.policies", "ipsec.<TAB> lists the candidates")
check(b"ipsec.delete" in screen and b"ipsec.get" in screen, "the list has several ipsec functions")
t.send("\x15")

# A bare expression prints its value: a table of tables with sorted keys, strings quoted.
t.send("ipsec.policies()\r")
screen = t.expect(r'name = "VPN-Tunnel"', "ipsec.policies() prints the policies")
check(b'state = "pending_deletion"' in screen, "policy fields are printed with quoted strings")
check(screen.index(b"assigned =") < screen.index(b"name ="), "keys are sorted")

# Multi-line input continues with >> until the chunk is complete.
t.ready()
t.send("function dbl(x)\r")
t.expect(r">> $", "an incomplete chunk asks for more with >>")
t.send("return x * 2\r")
t.expect(r">> $", "still incomplete")
t.send("end\r")
t.expect(r"> $", "back to the main prompt")
t.send("dbl(21)\r")
t.expect(r"\n42\n", "the multi-line function works")

# History: up-arrow recalls the last line.
t.ready()
t.send("\x1b[A")
t.expect(r"> dbl\(21\)", "up-arrow recalls dbl(21)")
t.send("\r")
t.expect(r"\n42\n", "the recalled line runs")

# Editing keys: Home inserts at the front, left/backspace edit in the middle.
t.ready()
t.send("2+3\x01" + "1")   # "12+3"
t.send("\x1b[C\x1b[C\x7f" + "*")  # after "12", replace "+" by "*" -> "12*3"
t.send("\r")
t.expect(r"\n36\n", "home, right and backspace edit the line (12*3)")

# Ctrl-C cancels the line being typed; the shell stays.
t.ready()
t.send("error('not run')\x03")
t.send("7\r")
screen = t.expect(r"\n7\n", "after Ctrl-C the next line runs")
check(b"not run" not in screen.split(b"^C")[-1], "the cancelled line did not run")

# An error is shown and the shell goes on.
t.ready()
t.send("error('boom')\r")
t.expect(r"error: .*boom", "the error is shown")
t.ready()
t.send("= 1 + 1\r")
t.expect(r"\n2\n", "= expr prints after an error")

# Multiple returns, nil included; a change that the exit will commit.
t.ready()
t.send('ipsec.delete("Branch-Office-QM")\r')
t.expect(r"\ntrue\n", "ipsec.delete returns true")
t.ready()
t.send("return 1, nil, 'x'\r")
t.expect(r'1, nil, "x"', "multiple returns with nil")

# Ctrl-D on an empty line leaves with exit code 0.
t.ready()
t.send("\x04")
check(t.wait_exit() == 0, "Ctrl-D exits 0")
with open(scen) as f:
    check("delete_accepted = true" in f.read(), "on exit the simulator's state (the accepted delete) is committed")
with open(os.path.join(WORK, "state", "shell_history")) as f:
    hist = f.read()
check("dbl(21)" in hist and "function dbl(x)\\nreturn x * 2\\nend" in hist,
      "history saved to <state_dir>/shell_history, multi-line entries kept whole")

# A new session loads the history; a gate refusal shows nil, message, code. Dry-run: the
# state is not saved, and gates refuse without asking.
shutil.copy(os.path.join(SRC, "scenarios", "demo.lua"), scen)
t = Term("--host", "sim:" + scen, "--dry-run")
t.expect(r"dry-run", "the banner says dry-run")
t.ready()
t.send("\x1b[A")
t.expect(r"> return 1, nil, 'x'", "history from the last session is recalled")
t.send("\x1b[A" * 7)
t.expect(r"> function dbl\(x\) return x \* 2 end$", "a multi-line entry is recalled whole, shown on one line")
t.send("\r")
t.ready()
t.send("dbl(5)\r")
t.expect(r"\n10\n", "the recalled multi-line entry runs")
t.ready()
t.send("\x1b[A" * 5)
t.expect(r"> = 1 \+ 1$", "history keeps a line's = prefix")
t.send("\x15")
t.send("\x15proc.kill(4242)\r")
t.expect(r'nil, "stopping processes is not allowed; rerun with --allow kill", "not_permitted"',
         "a gate refusal shows nil, message and not_permitted")
t.ready()
t.send('ipsec.delete("Branch-Office-QM")\r')
t.expect(r"\ntrue\n", "dry-run still runs the action on the copy")
t.ready()
t.send("\x04")
check(t.wait_exit() == 0, "Ctrl-D exits 0 in dry-run")
with open(scen) as f, open(os.path.join(SRC, "scenarios", "demo.lua")) as g:
    check(f.read() == g.read(), "dry-run saves nothing")

# --timeout applies to each statement: a loop is stopped, the shell and the next statement go on.
t = Term("--host", "sim:" + scen, "--dry-run", "--timeout", "1")  # seconds per statement
t.expect(r"> $", "prompt with --timeout")
t.send("while true do end\r")
t.expect(r"error: .*time limit", "the statement is stopped by the time limit", timeout=15)
t.ready()
t.send("1 + 2\r")
t.expect(r"\n3\n", "the next statement has its own time")
t.ready()
t.send("\x04")
check(t.wait_exit() == 0, "exit after a timeout")

# Ctrl-C while a statement runs (no time limit): a real SIGINT, as the terminal is out of raw
# mode then. Sent until seen, since the statement may not have started at the first one. A
# statement that catches the interruption with pcall, or loops in a coroutine, is stopped too
# (Ctrl-C is not a one-shot error, and reaches the coroutine's own hook).
t = Term("--host", "sim:" + scen, "--dry-run")
t.expect(r"> $", "prompt without a time limit")
for stmt, what, nxt, want in (("while true do end", "a running statement", "4 + 4", r"\n8\n"),
                              ("while true do pcall(function() while true do end end) end", "a pcall loop",
                               "5 + 5", r"\n10\n"),
                              ("coroutine.wrap(function() while true do end end)()", "a coroutine loop",
                               "6 + 6", r"\n12\n")):
    t.send(stmt + "\r")
    for _ in range(40):
        time.sleep(0.25)
        t.send("\x03")
        t.read_some(0.1)
        if b"interrupted" in t.buf:
            break
    t.expect(r"error: .*interrupted", "Ctrl-C stops " + what)
    time.sleep(0.5)
    t.ready()
    t.send(nxt + "\r")
    t.expect(want, "the shell goes on after Ctrl-C stopped " + what)
    t.ready()
t.send("\x04")
check(t.wait_exit() == 0, "Ctrl-D exits 0 after an interrupted statement")
# SIGTERM at the prompt, SIGHUP in a running statement (an ssh session dropping): the statement
# stops as at Ctrl-C, the shell ends as at Ctrl-D with exit 2, and the session's work is saved
# (both ended the process at once, the simulated machine's changes lost).
for sig, value, stmt in ((signal.SIGTERM, "term", 'reg.set("HKLM\\\\SOFTWARE\\\\Quit", "a", "term")'),
                         (signal.SIGHUP, "hup", 'reg.set("HKLM\\\\SOFTWARE\\\\Quit", "a", "hup") while true do end')):
    quit_state = os.path.join(WORK, "quit_%s.lua" % value)
    with open(quit_state, "w") as f:
        f.write("return {}\n")
    t = Term("--host", "sim:" + quit_state, "--allow", "registry")
    t.ready()
    t.send(stmt + "\r")
    if sig == signal.SIGTERM:
        t.expect(r"\ntrue\n", "the value is set")
        t.ready()
    else:
        time.sleep(1.0)
    os.kill(t.pid, sig)
    check(t.wait_exit() == 2, "%s ends the shell with exit 2" % sig.name)
    t.expect(r"ended on SIGTERM or SIGHUP", "%s: the shell says why it ended" % sig.name)
    env = dict(os.environ, MEND_STATE_DIR=t.state, MEND_DATA_DIR=SRC)
    reader = os.path.join(WORK, "quit_read.lua")
    with open(reader, "w") as f:
        f.write('print(reg.get("HKLM\\\\SOFTWARE\\\\Quit", "a"))\n')
    r = subprocess.run([MEND, "--host", "sim:" + quit_state, "run", reader], capture_output=True, text=True, env=env)
    check(value in r.stdout, "%s: the session's work is saved (%r)" % (sig.name, r.stdout + r.stderr))
print("all shell terminal checks passed")
