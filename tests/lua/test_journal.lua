-- Every mutating call goes through the guard under its own op name: a "begin" line before it
-- and an "end" line after it in the journal, and one count in the report (checked by the runner).
local t = require "testlib"

t.ok(ipsec.assign("Active-QM", false))
t.ok(ipsec.assign("Active-QM", true))
t.ok(ipsec.assign("Active-QM", false))
t.ok(ipsec.delete("Corp-QM"))
t.ok(sys.sleep(60))
t.ok(ipsec.create{ name = "Corp-QM" })
t.ok(svc.stop("PolicyAgent"))
t.ok(svc.start("PolicyAgent"))
t.ok(svc.restart("PolicyAgent"))
t.ok(proc.kill(5000))
t.ok(reg.set("HKLM\\SOFTWARE\\Contoso\\App", "Name", "journaled"))
t.ok(reg.export("HKLM\\SOFTWARE\\Contoso\\App\\Child", "child.reg"))
t.ok(reg.delete("HKLM\\SOFTWARE\\Contoso\\App\\Child"))
t.ok(reg.import("child.reg"))
t.ok(sys.gpupdate{ force = true })
t.ok(nic.set_ipsec_offload("Ethernet0", false))
t.ok(sys.resume_after_reboot{ "Corp-QM" })
t.ok(sys.reboot{ reason = "journal test" })
-- a failed action is journaled with its result; a refused one (critical process) is not
t.err("in_use", ipsec.delete, "Held-QM")
t.err("not_permitted", proc.kill, proc.find("lsass.exe")[1].pid)

local begins, ends, failed = {}, {}, {}
for line in io.lines("journal.jsonl") do
  local event = line:match('"event":"(%a+)"')
  local op = line:match('"op":"([%w_.]+)"')
  if event == "begin" then begins[#begins + 1] = op end
  if event == "end" then
    ends[#ends + 1] = op
    if line:find('"ok":false', 1, true) then failed[#failed + 1] = op end
  end
end
local want = { "ipsec.unassign", "ipsec.assign", "ipsec.unassign", "ipsec.delete", "ipsec.create",
               "svc.stop", "svc.start", "svc.restart", "proc.kill", "reg.set", "reg.delete",
               "reg.import", "sys.gpupdate", "nic.disable_ipsec_offload", "nic.restart_adapter",
               "sys.resume_after_reboot",
               "sys.reboot", "ipsec.delete" }
t.eq(begins, want, "journal begin records")
t.eq(ends, want, "journal end records")
t.eq(failed, { "ipsec.delete" })
return t.finish()
