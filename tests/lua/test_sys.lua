-- sys: gpupdate, sleep, is_admin, os, resume_after_reboot, clear_resume, and reboot behind its gate.
-- Run without and with --allow reboot.
local t = require "testlib"

-- computer policy only, /wait under the run's --timeout (the default 1800 s leaves gpupdate's own 600)
t.eq(select(2, sys.gpupdate{ force = true }), "/target:computer /force /wait:600")
t.eq(select(2, sys.gpupdate()), "/target:computer /wait:600")
t.eq(select(2, sys.gpupdate{ force = true, wait = 120 }), "/target:computer /force /wait:120")
t.eq(select(2, sys.gpupdate{ wait = 0 }), "/target:computer /wait:0")
t.eq(sys.sleep(0), true)
t.eq(sys.sleep(2.5), true)
t.eq(sys.is_admin(), true)
t.eq(sys.os(), "Windows Server 2022 (10.0.20348)")

-- the resume command line: the mend executable, quoted, then each argument quoted
local ok, cmd = sys.resume_after_reboot{ "Corp-QM", 'say "hi"', "C:\\dir\\" }
t.eq(ok, true)
t.ok(cmd:match('^"[^"]*mend[^"]*" fix %-%-resume '), cmd)
t.eq(cmd:match(" fix %-%-resume (.*)$"), '"Corp-QM" "say \\"hi\\"" "C:\\dir\\\\"')
-- a boot task as SYSTEM (the simulator keeps it where Task Scheduler caches it), not RunOnce
local TASK = "HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Schedule\\TaskCache\\Tree\\mend\\resume"
t.eq('"' .. reg.get(TASK, "Path") .. '" ' .. reg.get(TASK, "Arguments"), cmd, "the task runs the same command")
t.eq(reg.get(TASK, "Trigger"), "Boot")
t.eq(reg.get(TASK, "UserId"), "S-1-5-18", "as SYSTEM: no logon needed")
t.eq(reg.exists("HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\RunOnce"), true)
t.eq(reg.get("HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\RunOnce", "mend"), nil, "nothing in RunOnce")
local _, none = sys.resume_after_reboot{}
t.ok(none:match(" fix %-%-resume$"), none)
t.eq(reg.get(TASK, "Arguments"), "fix --resume", "registering again replaces the task")
t.err("invalid", sys.resume_after_reboot, { "\xff" })
-- the resume may only finish what this run may do: no allowance it lacks
local args_now = reg.get(TASK, "Arguments")
t.contains(t.err("not_permitted", sys.resume_after_reboot, { "Corp-QM", "--allow", "kill,registry" }),
           "would allow 'kill'")
t.contains(t.err("not_permitted", sys.resume_after_reboot, { "--allow=all" }), "this run was not given")
t.contains(t.err("not_permitted", sys.resume_after_reboot, { "--yes" }), "--yes")
t.contains(t.err("not_permitted", sys.resume_after_reboot, { "--unsafe" }), "--unsafe")
t.contains(t.err("not_permitted", sys.resume_after_reboot, { "--stop-holder", "evil.exe" }), "evil.exe")
t.eq(reg.get(TASK, "Arguments"), args_now, "a refused resume registers nothing")
-- after "--" everything is a policy name, and an allowance this run has is fine
t.ok(sys.resume_after_reboot{ "--", "--allow", "--unsafe" })
if mend.allowed("reboot") then t.ok(sys.resume_after_reboot{ "--allow", "reboot", "Corp-QM" }) end
t.ok(sys.resume_after_reboot{})

if mend.allowed("reboot") then
  t.eq(sys.reboot{ reason = "mend test" }, true)
  t.eq(reg.get(TASK, "Runs"), 1, "the task ran at boot")
  t.eq(select(2, sys.clear_resume()), true, "the resumed run removes it")
  t.eq(reg.exists(TASK), false)
  t.eq(select(2, sys.clear_resume()), false, "nothing left to remove")
  -- what a boot clears and what comes back with the machine
  t.err("not_found", ipsec.get, "Driver-QM")
  t.eq(svc.query("PolicyAgent").state, "running")
  t.eq(#proc.find("vpnagent.exe"), 1, "an autostart holder comes back at boot")
  t.eq(#proc.find("notepad.exe"), 0, "other processes do not")
else
  local msg = t.err("not_permitted", sys.reboot, { reason = "mend test" })
  t.contains(msg, "--allow reboot")
  t.eq(#proc.find("notepad.exe"), 1, "no reboot happened")
  t.eq(reg.get(TASK, "Runs"), 0, "no boot, no run")
  t.eq(select(2, sys.clear_resume()), true)
  t.eq(reg.exists(TASK), false)
end

t.raises("'force' must be a boolean", sys.gpupdate, { force = "yes" })
t.raises("bad argument #1", sys.gpupdate, true)
t.raises("'wait' must be a whole number", sys.gpupdate, { wait = -1 })
t.raises("'wait' must be a whole number", sys.gpupdate, { wait = 1.5 })
t.raises("'wait' must be a whole number", sys.gpupdate, { wait = "soon" })
t.raises("'reason' must be a string", sys.reboot, { reason = 42 })
t.raises("bad argument #1", sys.sleep, "soon")
t.raises("bad argument #1", sys.sleep, -1)
t.raises("bad argument #1", sys.sleep, 1 / 0)
t.raises("bad argument #1", sys.resume_after_reboot, "Corp-QM")
t.raises("must be a string", sys.resume_after_reboot, { 1 })
t.eq(require "sys", sys)
return t.finish()
