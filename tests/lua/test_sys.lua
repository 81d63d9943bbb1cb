-- sys: gpupdate, sleep, is_admin, os, resume_after_reboot, and reboot behind its gate.
-- Run without and with --allow reboot.
local t = require "testlib"

t.eq(sys.gpupdate{ force = true }, true)
t.eq(sys.gpupdate(), true)
t.eq(sys.gpupdate{}, true)
t.eq(sys.sleep(0), true)
t.eq(sys.sleep(2.5), true)
t.eq(sys.is_admin(), true)
t.eq(sys.os(), "Windows Server 2022 (10.0.20348)")

-- the resume command line: the mend executable, quoted, then each argument quoted
local ok, cmd = sys.resume_after_reboot{ "Corp-QM", 'say "hi"', "C:\\dir\\" }
t.eq(ok, true)
t.ok(cmd:match('^"[^"]*mend[^"]*" fix %-%-resume '), cmd)
t.eq(cmd:match(" fix %-%-resume (.*)$"), '"Corp-QM" "say \\"hi\\"" "C:\\dir\\\\"')
t.eq(reg.get("HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\RunOnce", "mend"), cmd,
     "registered to run once at the next boot")
local _, none = sys.resume_after_reboot{}
t.ok(none:match(" fix %-%-resume$"), none)
t.err("invalid", sys.resume_after_reboot, { "\xff" })

if mend.allowed("reboot") then
  t.eq(sys.reboot{ reason = "mend test" }, true)
  -- what a boot clears and what comes back with the machine
  t.err("not_found", ipsec.get, "Driver-QM")
  t.eq(svc.query("PolicyAgent").state, "running")
  t.eq(#proc.find("vpnagent.exe"), 1, "an autostart holder comes back at boot")
  t.eq(#proc.find("notepad.exe"), 0, "other processes do not")
else
  local msg = t.err("not_permitted", sys.reboot, { reason = "mend test" })
  t.contains(msg, "--allow reboot")
  t.eq(#proc.find("notepad.exe"), 1, "no reboot happened")
end

t.raises("'force' must be a boolean", sys.gpupdate, { force = "yes" })
t.raises("bad argument #1", sys.gpupdate, true)
t.raises("'reason' must be a string", sys.reboot, { reason = 42 })
t.raises("bad argument #1", sys.sleep, "soon")
t.raises("bad argument #1", sys.sleep, -1)
t.raises("bad argument #1", sys.sleep, 1 / 0)
t.raises("bad argument #1", sys.resume_after_reboot, "Corp-QM")
t.raises("must be a string", sys.resume_after_reboot, { 1 })
t.eq(require "sys", sys)
return t.finish()
