-- Dry-run on the simulator: every action runs against a throwaway copy, later calls see its
-- effects, nothing is written (no backup file, no state change), and the report counts it all.
local t = require "testlib"

t.eq(mend.dry_run, true)
t.ok(ipsec.delete("Corp-QM"))
t.err("not_found", ipsec.get, "Corp-QM")
t.ok(ipsec.assign("Active-QM", false))
t.ok(ipsec.delete("Active-QM"))
t.ok(sys.sleep(60))
t.ok(ipsec.create{ name = "Corp-QM" })
t.ok(proc.kill(4242))
t.eq(proc.find("vpnagent.exe"), {})
t.ok(svc.restart("PolicyAgent"))
t.ok(svc.stop("Locked") == nil)
t.ok(sys.gpupdate{ force = true })
t.ok(nic.set_ipsec_offload("Ethernet0", false))
t.eq(nic.list()[1].ipsec_offload, false)
t.ok(reg.set("HKLM\\SOFTWARE\\Contoso\\App", "Name", "dry"))
local ok, backup = reg.delete("HKLM\\SOFTWARE\\Contoso\\App", { tree = true })
t.eq(ok, true)
t.ok(backup:match("%.reg$"), backup)
t.eq(io.open(backup, "rb"), nil, "no backup is written in dry-run")
t.eq(reg.exists("HKLM\\SOFTWARE\\Contoso\\App"), false)
-- the critical processes and gates behave exactly as in a real run
t.err("not_permitted", proc.kill, 700)
mend.outcome("Corp-QM", { before = "pending_deletion", after = "absent", outcome = "fixed", rung = "delete" })
t.eq(io.open("journal.jsonl", "r"), nil, "no journal in dry-run")
return t.finish()
