#!/usr/bin/env python3
"""Prompts say what else will happen: on a terminal each gated action asks one question, built in
C, naming what is done, its side effects the host knows (the services a restart takes down and
brings back, the process image and pid a kill ends, the reboot's reach, the .reg backup a registry
delete writes first) and what the script says it is for (mend.purpose; the ladder says which
policies). --yes, --allow and runs with nobody to ask behave as before."""
import os, pty, re, select, subprocess, sys, tempfile, time

MEND = os.environ["MEND"]
failures = []

SCENARIO = r'''return {
  services = { VpnAgent = { state = "running", depends_on = { "PolicyAgent" } } },
  processes = { { pid = 4242, name = "vpnagent.exe", path = "C:\\Program Files\\Contoso VPN\\vpnagent.exe" } },
  registry = { ["HKLM\\SOFTWARE\\Contoso\\Old"] = { A = "x" }, ["HKLM\\SOFTWARE\\Contoso\\Old\\Sub"] = { B = 1 } },
}
'''

SCRIPT = r'''local what, purpose = mend.args[1], mend.args[2]
if purpose == "five" then
  mend.purpose({ policies = { "A", "B", "C", "D", "E" } })
elseif purpose == "restart" then
  mend.purpose({ policies = { "Only One" }, restart = "PolicyAgent" })
elseif purpose and purpose ~= "-" then
  mend.purpose(purpose)
end
local ok, msg
if what == "restart" then ok, msg = svc.restart("BFE")
elseif what == "stop" then ok, msg = svc.stop("PolicyAgent", { dependents = true })
elseif what == "reboot" then ok, msg = sys.reboot({ reason = "test" })
elseif what == "regdel" then ok, msg = reg.delete("HKLM\\SOFTWARE\\Contoso\\Old", { tree = true })
elseif what == "kill" then ok, msg = proc.kill(4242)
elseif what == "import" then ok, msg = reg.import(mend.args[3])
elseif what == "start" then
  ok, msg = svc.start("MyApp")
  print("STATES " .. svc.query("BFE").state .. " " .. svc.query("IKEEXT").state .. " " .. svc.query("MyApp").state)
end
print("RESULT " .. tostring(ok) .. " " .. tostring(msg))
'''


def check(cond, what):
    if not cond:
        failures.append(what)


def on_pty(env, answer, *args, delay=0):
    """Runs mend on a terminal, answering every [y/N] question (after delay seconds); returns
    (questions, output)."""
    master, slave = pty.openpty()
    p = subprocess.Popen([MEND, *args], stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    out, pending, questions = b"", b"", []
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            failures.append("mend %s: no output for 60 s" % " ".join(args))
            p.kill()
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
        pending += chunk
        while b" [y/N] " in pending:
            before, pending = pending.split(b" [y/N] ", 1)
            # The question is the text after the progress line's erase (ESC [ K) or the last newline.
            text = re.split(rb"\x1b\[K|\r?\n", before)[-1].decode("utf-8", "replace")
            questions.append(text)
            if delay:
                time.sleep(delay)
            os.write(master, (answer + "\n").encode())
    os.close(master)
    p.wait()
    return questions, out.decode("utf-8", "replace")


def result(out):
    m = re.search(r"RESULT (\S+) (.*?)\r?\n", out)
    return (m.group(1), m.group(2)) if m else (None, None)


with tempfile.TemporaryDirectory(dir=os.environ.get("MEND_TEST_TMP")) as work:
    state = os.path.join(work, "state")
    env = dict(os.environ, MEND_STATE_DIR=state, NO_COLOR="1")
    script = os.path.join(work, "act.lua")
    with open(script, "w") as f:
        f.write(SCRIPT)
    machine = os.path.join(work, "machine.lua")

    def fresh(text=SCENARIO):
        with open(machine, "w") as f:
            f.write(text)
        return "sim:" + machine

    # A restart names the running services that depend on it, in stop order, and says they come back.
    q, out = on_pty(env, "n", "run", "--host", fresh(), script, "restart", "policy 'X'")
    check(q == ["Restart the service BFE? The services that depend on it, IKEEXT and mpssvc, stop first and "
                "start again after it. This is for policy 'X'."], "restart question: %r" % q)
    check(result(out)[0] == "nil" and "--allow service" in out, "a 'no' did not refuse the restart")

    # A start names the stopped services it needs, which start first (SCM starts them; so does the simulator).
    stopped = ('return { services = { BFE = { state = "stopped" }, IKEEXT = { state = "stopped" }, '
               'MyApp = { state = "stopped", depends_on = { "IKEEXT", "RpcSs" } } } }\n')
    q, out = on_pty(env, "y", "run", "--host", fresh(stopped), script, "start")
    check(q == ["Start the service MyApp? It needs BFE and IKEEXT, which are stopped: they start first."],
          "start question: %r" % q)
    check("STATES running running running" in out, "the start did not bring its dependencies: %r" % out[-300:])

    # A stop that takes its dependents with it says they stay stopped.
    q, out = on_pty(env, "n", "run", "--host", fresh(), script, "stop")
    check(q == ["Stop the service PolicyAgent? The service that depends on it, VpnAgent, stops too and stays "
                "stopped."], "stop question: %r" % q)

    # A kill names the image, its path and the pid; the purpose names three policies and counts the rest.
    q, out = on_pty(env, "n", "run", "--host", fresh(), script, "kill", "five")
    check(q == ["Stop vpnagent.exe (pid 4242), image C:\\Program Files\\Contoso VPN\\vpnagent.exe? It ends at "
                "once, without the chance to save or clean up. This is for 5 policies: 'A', 'B', 'C' and 2 more."],
          "kill question: %r" % q)

    # A reboot says what goes down with the machine; a script's text cannot drive the terminal.
    q, out = on_pty(env, "n", "run", "--host", fresh(), script, "reboot", "the \x1b[2Jtest\rrun")
    check(q == ["Restart this computer now? Windows shuts down every running program and service and starts "
                "again; anyone signed in is signed out. This is for the ?[2Jtest?run."], "reboot question: %r" % q)

    # A registry delete says where its backup goes, and that is where it goes.
    q, out = on_pty(env, "n", "run", "--host", fresh(), script, "regdel", "restart")
    pat = (r"Delete the registry key HKLM\\SOFTWARE\\Contoso\\Old and everything below it\? A backup goes first "
           r"to (\S+\.reg) \(reg import restores it\)\. Afterwards PolicyAgent restarts; the service that "
           r"depends on it, VpnAgent, stops and starts again with it\. This is for policy 'Only One'\.")
    check(len(q) == 1 and re.fullmatch(pat, q[0]), "registry question: %r" % q)
    check(not os.path.isdir(os.path.join(state, "backups")) or not os.listdir(os.path.join(state, "backups")),
          "a refused registry delete left a backup")
    q, out = on_pty(env, "y", "run", "--host", fresh(), script, "regdel")
    m = re.fullmatch(r".* A backup goes first to (\S+\.reg) \(reg import restores it\)\.", q[0]) if len(q) == 1 else None
    ok, file = result(out)
    check(m is not None and ok == "true" and file == m.group(1), "the backup is not the file the question named: %r %r"
          % (q, file))
    check(m is not None and os.path.dirname(m.group(1)) == os.path.join(state, "backups") and os.path.isfile(m.group(1)),
          "the backup the question named was not written: %r" % q)

    # An import that deletes says where what it changes is backed up; one that only adds has no backup.
    dele, add = os.path.join(work, "del.reg"), os.path.join(work, "add.reg")
    with open(dele, "w", newline="") as f:
        f.write("Windows Registry Editor Version 5.00\r\n\r\n[-HKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso\\Old\\Sub]\r\n")
    with open(add, "w", newline="") as f:
        f.write("Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso\\New]\r\n\"A\"=\"b\"\r\n")
    q, out = on_pty(env, "y", "run", "--host", fresh(), script, "import", "-", dele)
    m = re.fullmatch(re.escape("Import %s (it deletes registry keys or values)? What it changes goes first into a backup, " % dele)
                     + r"(\S+\.reg) \(reg import restores it\)\.", q[0]) if len(q) == 1 else None
    ok, file = result(out)
    check(m is not None and ok == "true" and file == m.group(1) and os.path.isfile(file),
          "import question and its backup: %r %r" % (q, file))
    q, out = on_pty(env, "n", "run", "--host", fresh(), script, "import", "-", add)
    check(q == ["Import %s into the registry?" % add], "import that only adds: %r" % q)

    # The fix ladder: each prompt names its policy, and the offload and registry rungs the restart after them.
    env_demo = dict(env, MEND_STATE_DIR=os.path.join(work, "demo"))
    subprocess.run([MEND, "sim", "reset", "-q"], env=env_demo, check=True)
    q, out = on_pty(env_demo, "n", "fix")
    after = ("Afterwards PolicyAgent restarts; the service that depends on it, VpnAgent, stops and starts again "
             "with it.")
    check(len(q) == 3, "fix asked %d questions: %r" % (len(q), q))
    check(any(x == "Stop vpnagent.exe (pid 4242), image C:\\Program Files\\Contoso VPN\\vpnagent.exe? It ends at "
              "once, without the chance to save or clean up. This is for policy 'VPN-Tunnel'." for x in q),
          "the ladder's kill question: %r" % q)
    check(any(x == "Disable IPsec task offload on Ethernet0? This restarts the adapter: its link drops for a few "
              "seconds. " + after + " This is for policy 'DMZ-Offload'." for x in q),
          "the ladder's offload question: %r" % q)
    check(any(x.startswith("Remove the IPsec policy 'Old-Store-QM' and 4 other object(s) from the policy store in "
                           "the registry? A backup goes first to ")
              and x.endswith(" (reg import restores it). " + after + " This is for policy 'Old-Store-QM'.") for x in q),
          "the ladder's registry question: %r" % q)
    check("blocked" in out, "answering no did not leave policies blocked")

    # scripts/offload.lua on its own: each adapter's question says which NIC it is for, off and on again.
    nic = fresh('return { nics = { { name = "Ethernet0", ipsec_offload = true } } }\n')
    offload = os.path.join(os.environ["MEND_SOURCE_DIR"], "scripts", "offload.lua")
    link = "This restarts the adapter: its link drops for a few seconds."
    q, out = on_pty(env, "y", "run", "--host", nic, offload)
    check(q[:1] == ["Disable IPsec task offload on Ethernet0? " + link + " This is for NIC Ethernet0: its offloaded "
                    "SAs keep the policies they came from pending deletion."], "offload.lua's question: %r" % q)
    q, out = on_pty(env, "n", "run", "--host", nic, offload, "on")
    check(q == ["Enable IPsec task offload on Ethernet0? " + link + " This is for NIC Ethernet0: offload back on "
                "as it was before mend turned it off."], "offload.lua on's question: %r" % q)

    # The reboot rung's question names the policy that needs it.
    many = os.path.join(work, "many.lua")
    with open(os.path.join(os.environ["MEND_SOURCE_DIR"], "tests/e2e/scenarios/many_blockers.lua")) as src, \
            open(many, "w") as f:
        f.write(src.read())
    q, out = on_pty(env, "n", "--host", "sim:" + many, "fix", "--allow", "kill,nic,registry,service")
    check(q == ["Restart this computer now? Windows shuts down every running program and service and starts "
                "again; anyone signed in is signed out. This is for policy 'QM-Driver'."],
          "the ladder's reboot question: %r" % q)

    # One holder of two policies: one kill, for both.
    two = os.path.join(work, "two.lua")
    with open(two, "w") as f:
        f.write('return { policies = { { name = "P1", state = "pending_deletion" }, '
                '{ name = "P2", state = "pending_deletion" } }, '
                r'processes = { { pid = 4242, name = "vpnagent.exe", path = "C:\\VPN\\vpnagent.exe" } }, '
                'handles = { { pid = 4242, policy = "P1" }, { pid = 4242, policy = "P2" } } }\n')
    q, out = on_pty(env, "n", "--host", "sim:" + two, "fix")
    check(q == ["Stop vpnagent.exe (pid 4242), image C:\\VPN\\vpnagent.exe? It ends at once, without the chance "
                "to save or clean up. This is for 2 policies: 'P1' and 'P2'."], "one holder of two policies: %r" % q)

    # The time a question waits for its answer is not the script's: an answer given after
    # --timeout has passed lets the script go on (it ended with "exceeded the time limit").
    q, out = on_pty(env, "n", "run", "--timeout", "1", "--host", fresh(), script, "restart", delay=2.5)
    check(len(q) == 1 and result(out)[0] == "nil" and "time limit" not in out,
          "a slow answer counted against --timeout: %r" % out[-400:])

    # --yes answers the service question without asking, never the reboot's.
    q, out = on_pty(env, "n", "run", "--yes", "--host", fresh(), script, "restart")
    check(q == [] and result(out)[0] == "true", "--yes asked or did not restart: %r" % q)
    q, out = on_pty(env, "n", "run", "--yes", "--host", fresh(), script, "reboot")
    check(len(q) == 1 and q[0].startswith("Restart this computer now?"), "--yes answered the reboot: %r" % q)
    # --allow opens the gate without a question.
    q, out = on_pty(env, "n", "run", "--allow", "service", "--host", fresh(), script, "restart")
    check(q == [] and result(out)[0] == "true", "--allow service asked or did not restart: %r" % q)
    # Nobody to ask (a pipe): refused without a question.
    r = subprocess.run([MEND, "run", "--host", fresh(), script, "restart", "policy 'X'"], env=env,
                       capture_output=True, text=True, stdin=subprocess.DEVNULL)
    check("[y/N]" not in r.stdout + r.stderr and "RESULT nil" in r.stdout and "--allow service" in r.stdout,
          "a run on a pipe asked or acted: %r" % (r.stdout + r.stderr))

if failures:
    print("\n".join("FAIL: " + f for f in failures))
    sys.exit(1)
print("prompts_say_what: ok")
