-- lib.diagnose: one view of store, GPO cache, SPD and event log; a policy the store cannot
-- classify (Windows: state unknown) is pending when its SPD quick-mode policy is pending or a
-- recent 13023 event names it, and unknown otherwise; names are listed once, nothing changes.
local t = require "testlib"
local diagnose = require "lib.diagnose"

local view = diagnose.read("test")
t.ok(view.spd_ok and view.events_ok, "the simulator answers both")

local function as_unknown(name)
  local cur = t.ok(ipsec.get(name))
  cur.state = "unknown"   -- what the Windows store says of every local policy
  return cur
end

-- Kept pending by SAs in the SPD.
local d = view:policy(as_unknown("Held-QM"))
t.eq(d.pending, true, "pending by the SPD alone")
t.eq(table.concat(d.where, ","), "spd_qm_pending")
t.eq(d.qm.name, "Held-QM filter action")
t.eq(d.qm.sas, 2)
t.contains(d.text, "pending deletion in the SPD (2 SAs keep it)")

-- Named by a recent event only.
d = view:policy(as_unknown("Event-QM"))
t.eq(d.pending, true, "pending by the event log alone")
t.eq(table.concat(d.where, ","), "event")
t.eq(d.events[1].id, 5461)
t.contains(d.text, "1 recent event reports 0x32DF (13023) for it")

-- Nothing says anything: unknown stays unknown.
d = view:policy(as_unknown("Quiet-QM"))
t.eq(d.pending, nil)
t.contains(d.text, "no source says it is pending deletion")

-- What the store says, as it says it.
d = view:policy(t.ok(ipsec.get("Store-QM")))
t.eq(d.pending, true)
t.eq(table.concat(d.where, ","), "store")
d = view:policy(t.ok(ipsec.get("Quiet-QM")))
t.eq(d.pending, false)

-- A GPO's copy: assigned or stale.
d = view:policy(t.ok(ipsec.get("Gpo-QM")))
t.eq(table.concat(d.where, ","), "store,gpo_stale")

-- A source that cannot be read: the diagnosis goes by the store and says so.
local blind = setmetatable({ qm = {}, filters = {}, sas = {}, events = {}, spd_ok = false, events_ok = true },
                           getmetatable(view))
d = blind:policy(as_unknown("Held-QM"))
t.eq(d.pending, nil)
t.contains(d.text, "(the SPD could not be read)")

-- Its one step keeps the host's reason, and says "cannot be read" once (Wine's wevtapi says it).
local real_recent, real_step, said = events.recent, mend.step, nil
events.recent = function() return nil, "the event log cannot be read here (no wevtapi.dll)", "unsupported" end
mend.step = function(s) if s.action == "events.recent" then said = s end end
local ok, v2 = pcall(diagnose.read, "test")
events.recent, mend.step = real_recent, real_step
t.ok(ok and not v2.events_ok, "the event log is not read")
t.eq(said and said.code, "unsupported")
t.eq(said and said.message, "the event log cannot be read here (no wevtapi.dll): going by what the policy store says")
-- ipsec.state tells a GPO's copy from a local policy, as ipsec.get's source does (the ladder's
-- identify reads the whole policy only for those).
for _, name in ipairs{ "Gpo-QM", "Store-QM" } do
  local cur = t.ok(ipsec.get(name))
  local state, source = ipsec.state(name)
  t.eq(state, cur.state, name)
  t.eq(source, cur.source, name)
end

return t.finish()
