-- mend: run facts, gates, confirm, steps, outcomes, advice and progress; the report carries them.
local t = require "testlib"

t.eq(mend.args, { "first", "sécond arg" })
t.eq(mend.dry_run, false)
-- Scripts start under the generational collector (mend sets it: a run over many policies keeps
-- their results alive while each policy makes short-lived tables); a script may switch.
t.eq(collectgarbage("incremental"), "generational")
t.eq(collectgarbage("generational"), "incremental")
t.eq(mend.host, "sim")
t.ok(mend.version:match("^%d+%.%d+%.%d+$"), mend.version)
t.eq(type(mend.flags.all_pending), "boolean")
t.eq(type(mend.flags.resume), "boolean")
t.eq(mend.flags.batch, false)
for _, cap in ipairs{ "kill", "registry", "reboot", "nic" } do
  t.eq(mend.allowed(cap), cap == "nic", cap)
end
t.raises("unknown capability", mend.allowed, "everything")
t.raises("unknown capability", mend.allowed, "all")
t.raises("unknown capability", mend.allowed, "kill,nic")
t.raises("bad argument #1", mend.allowed)
t.eq(mend.confirm("Proceed?"), false, "no terminal and no --yes: no")
t.raises("bad argument #1", mend.confirm, {})

mend.step{ policy = "Corp-QM", rung = "delete", action = "ipsec.delete", ok = true, tries = 1 }
mend.step{ policy = "Corp-QM", rung = "gpupdate", action = "sys.gpupdate", ok = false,
           message = "The data is invalid. (0xD)", code = "invalid", detail = { a = 1, list = { 1, 2 } } }
mend.step{ rung = "preflight", action = "sys.is_admin", ok = true }
mend.outcome("Corp-QM", { before = "pending_deletion", after = "absent", outcome = "fixed", rung = "delete" })
mend.outcome("Other-QM", { before = "active", after = "active", outcome = "healthy" })
mend.advise("Reboot at the next window.")
mend.advise("Reboot at the next window.")
for i = 0, 3 do mend.progress(i, 3) end
mend.progress(0, 0)

t.raises("unknown outcome 'great'", mend.outcome, "Corp-QM", { outcome = "great" })
t.raises("'before' must be a string", mend.outcome, "Corp-QM", { before = 1 })
t.raises("bad argument #2", mend.outcome, "Corp-QM")
t.raises("'ok' must be a boolean", mend.step, { ok = "yes" })
t.raises("'policy' must be a string", mend.step, { policy = 7 })
t.raises("bad argument #1", mend.step, "delete")
t.raises("bad argument #1", mend.advise)
t.raises("bad argument #1", mend.progress, -1, 3)
t.raises("bad argument #2", mend.progress, 1, "x")
t.raises("expected fixed, healthy", mend.run_outcome, "great")
t.raises("bad argument #1", mend.run_outcome)
t.eq(require "mend", mend)
return t.finish()
