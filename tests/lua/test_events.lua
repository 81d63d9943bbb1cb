-- events: the host's log of IPsec failures that carry 13023, newest first; every operation the
-- simulator answers with 13023 adds one, and a reboot keeps them.
local t = require "testlib"

local list = t.ok(events.recent())
t.eq(#list, 1, "the default window is a week: the month-old event is left out")
local ev = list[1]
t.eq(ev.policy, "Old-QM")
t.eq(ev.id, 5462)
t.eq(ev.code, 13023)
t.eq(ev.source, "Microsoft-Windows-Security-Auditing")
t.eq(ev.message, "seeded: failed to apply some rules")
t.eq(ev.time, 1780000000 - 3600)
t.eq(#t.ok(events.recent(40 * 86400)), 2, "a longer window reaches the old one")

-- An operation that answers 13023 writes an event naming the policy.
t.err("pending_deletion", ipsec.create, { name = "Old-QM" })
list = t.ok(events.recent())
t.eq(#list, 2)
t.eq(list[1].policy, "Old-QM", "newest first")
t.eq(list[1].id, 5461)
t.eq(list[1].code, 13023)
t.contains(list[1].message, "ipsec.create Old-QM failed")
t.contains(list[1].message, "0x32DF")
t.ok(list[1].time >= list[2].time)
-- Other failures are not 13023 events.
t.err("exists", ipsec.create, { name = "Corp-QM" })
t.eq(#t.ok(events.recent()), 2, "an 'exists' answer is not logged")

-- A reboot does not clear the log.
if mend.allowed("reboot") then
  t.ok(sys.reboot{ reason = "test" })
  t.eq(#t.ok(events.recent()), 2, "kept across the reboot")
end

t.raises("bad argument #1", events.recent, -1)
t.raises("bad argument #1", events.recent, "soon")
t.eq(require "events", events)
return t.finish()
