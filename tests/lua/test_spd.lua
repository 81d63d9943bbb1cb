-- spd: qm_policies, filters, sas; delete_sas, delete_qm_policy and delete_filter behind the service gate.
-- Run without and with --allow service (and with --yes, which opens it too).
local t = require "testlib"

local CORP, OLD, ORPHAN = "Corp-QM filter action", "Old-QM filter action", "Orphan-QM filter action"

local function qm(name)
  return t.find(t.ok(spd.qm_policies()), function(q) return q.name == name end)
end

local qms = t.ok(spd.qm_policies())
t.eq(#qms, 3, "the assigned policy and the two pending ones; Spare-QM is not plumbed")
local corp = qm(CORP)
t.eq(corp.pending_deletion, false)
t.eq(corp.refs, 3)
t.eq(corp.flags, 0)
t.ok(corp.guid:match("^{%x+%-%x+%-%x+%-%x+%-%x+}$"), corp.guid)
t.eq(qm(OLD).pending_deletion, true)
t.eq(qm(OLD).refs, 3)
t.eq(qm(ORPHAN).pending_deletion, true)
t.eq(qm(ORPHAN).refs, 1, "its orphaned filter")

local function filter(name)
  return t.find(t.ok(spd.filters()), function(f) return f.name == name end)
end
t.eq(#t.ok(spd.filters()), 2)
local corp_filter = filter("Corp-QM filter list")
t.eq(corp_filter.type, "transport")
t.eq(corp_filter.qm_policy, CORP)
local orphan = filter("Orphan-QM filter list")
t.eq(orphan.qm_policy, ORPHAN)
t.ok(orphan.guid:match("^{%x+%-%x+%-%x+%-%x+%-%x+}$"), orphan.guid)

local sas = t.ok(spd.sas())
t.eq(#sas, 5)
local old_sas = 0
for _, sa in ipairs(sas) do
  t.eq(math.type(sa.id), "integer")
  if sa.qm_policy == OLD then old_sas = old_sas + 1 end
end
t.eq(old_sas, 3)

-- --yes opens the service gate by answering its question, so the script is told ("yes")
if mend.allowed("service") or mend.args[1] == "yes" then
  -- the pending one: its SAs are what keeps it; drop them and it is gone
  t.contains(t.err("pending_deletion", spd.delete_qm_policy, OLD), "0x32DF")
  t.eq(spd.delete_sas(OLD), true)
  t.eq(qm(OLD), nil)
  t.eq(ipsec.get("Old-QM").sa_count, 0, "the static view agrees")
  -- the plumbed one: its filters keep it pending
  t.contains(t.err("pending_deletion", spd.delete_qm_policy, CORP), "pending deletion")
  t.eq(qm(CORP).pending_deletion, true)
  t.contains(t.err("not_found", spd.delete_sas, "No-Such"), "No-Such")
  t.contains(t.err("not_found", spd.delete_qm_policy, "No-Such"), "0x32C9")
  -- the orphaned filter: delete_qm_policy cannot take its QM policy, deleting the filter does
  t.contains(t.err("pending_deletion", spd.delete_qm_policy, ORPHAN), "0x32DF")
  t.eq(spd.delete_filter(orphan.guid), true)
  t.eq(filter("Orphan-QM filter list"), nil)
  t.eq(qm(ORPHAN), nil, "its quick-mode policy went with its last reference")
  t.ok(filter("Corp-QM filter list"), "the assigned policy's filter stays")
  t.contains(t.err("not_found", spd.delete_filter, "No-Such"), "0x32D1")
else
  t.contains(t.err("not_permitted", spd.delete_sas, OLD), "--allow service")
  t.contains(t.err("not_permitted", spd.delete_qm_policy, CORP), "--allow service")
  t.contains(t.err("not_permitted", spd.delete_filter, orphan.guid), "--allow service")
  t.eq(qm(OLD).refs, 3, "unchanged")
  t.ok(filter("Orphan-QM filter list"), "unchanged")
end
t.err("invalid", spd.delete_sas, "\xff")
t.raises("bad argument #1", spd.delete_sas)
t.raises("bad argument #1", spd.delete_qm_policy, {})
t.err("invalid", spd.delete_filter, "\xff")
t.raises("bad argument #1", spd.delete_filter)
t.eq(require "spd", spd)
return t.finish()
