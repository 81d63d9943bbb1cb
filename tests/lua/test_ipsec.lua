-- ipsec: every function's result shape, each error code the simulator gives, argument errors,
-- and names with quotes, newlines and Unicode.
local t = require "testlib"

local STORE = "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Local\\ipsecPolicy"

-- policies(): every field with its type
local list = t.ok(ipsec.policies())
t.eq(#list, 11, "policy count")
for _, p in ipairs(list) do
  t.eq(type(p.name), "string")
  t.ok(p.guid:match("^{%x%x%x%x%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%-%x%x%x%x%x%x%x%x%x%x%x%x}$"), p.guid)
  t.eq(type(p.description), "string")
  t.ok(p.state == "active" or p.state == "pending_deletion", p.state)
  t.eq(type(p.assigned), "boolean")
  t.eq(math.type(p.sa_count), "integer")
  t.eq(p.store_key:sub(1, #STORE), STORE, "store_key prefix")
  t.eq(p.store_key:sub(#STORE + 1), p.guid, "store_key ends with the guid")
end
local active = t.field(list, "name", "Active-QM")
t.eq(active.assigned, true)
t.eq(active.sa_count, 2)
t.eq(active.description, "in use")
t.eq(t.field(list, "name", "Corp-QM").state, "pending_deletion")

-- get / store_key
t.eq(t.ok(ipsec.get("Active-QM")), active, "get equals the listed policy")
t.eq(ipsec.store_key("Active-QM"), active.store_key)
t.contains(t.err("not_found", ipsec.get, "No-Such-QM"), "(0x2)")
t.err("not_found", ipsec.store_key, "No-Such-QM")
t.err("not_found", ipsec.delete, "No-Such-QM")
t.err("not_found", ipsec.assign, "No-Such-QM", true)

-- state / states: get's and policies()' answers without the tables
local st, source = ipsec.state("Active-QM")
t.eq(st, active.state)
t.eq(source, "local")
t.eq((ipsec.state("Corp-QM")), "pending_deletion")
t.contains(t.err("not_found", ipsec.state, "No-Such-QM"), "(0x2)")
t.raises("bad argument #1", ipsec.state, nil)
local names, states = t.ok(ipsec.states())
t.eq(#names, #list, "one name per listed policy")
t.eq(#states, #list, "one state per listed policy")
for i, p in ipairs(list) do
  t.eq(names[i], p.name, "states() in policies()' order")
  t.eq(states[i], p.state, p.name)
end

-- names reach the host byte for byte
for _, name in ipairs{ 'Quote "Q" QM', "Line\nBreak QM", "Ünïcødé-策略" } do
  local p = t.ok(ipsec.get(name))
  t.eq(p.name, name)
end
t.ok(ipsec.delete("Ünïcødé-策略"))
t.err("not_found", ipsec.get, "Ünïcødé-策略")
t.ok(ipsec.delete('Quote "Q" QM'))
t.ok(ipsec.delete("Line\nBreak QM"))
t.err("pending_deletion", ipsec.create, { name = 'Quote "Q" QM' })
t.ok(sys.sleep(60))
t.ok(ipsec.create{ name = 'Quote "Q" QM', description = "back \"again\"\n" })
t.eq(ipsec.get('Quote "Q" QM').description, "back \"again\"\n")
t.ok(ipsec.create{ name = "新しい ポリシー 🚀" })
t.eq(ipsec.get("新しい ポリシー 🚀").state, "active")
t.err("exists", ipsec.create, { name = "新しい ポリシー 🚀" })

-- a missed purge: delete works; the name is pending for a few seconds afterwards
t.eq(ipsec.delete("Corp-QM"), true)
t.err("not_found", ipsec.get, "Corp-QM")
t.contains(t.err("pending_deletion", ipsec.create, { name = "Corp-QM" }), "(0x32DF)")
t.ok(sys.sleep(60))
t.eq(ipsec.create{ name = "Corp-QM" }, true)

-- a stuck name cannot be created or assigned
t.contains(t.err("pending_deletion", ipsec.create, { name = "Driver-QM" }), "pending deletion")
t.err("pending_deletion", ipsec.assign, "Driver-QM", true)

-- blockers as the admin sees them
t.contains(t.err("in_use", ipsec.delete, "Active-QM"), "(0x32CA)")
t.err("in_use", ipsec.delete, "Held-QM")
t.err("in_use", ipsec.delete, "Driver-QM")
t.err("in_use", ipsec.delete, "Offload-QM")
t.contains(t.err("not_found", ipsec.delete, "Stale-QM"), "The system cannot find the file specified. (0x2)")
t.contains(t.err("io", ipsec.delete, "Corrupt-QM"), "(0x570)")
t.contains(t.err("access_denied", ipsec.delete, "Denied-QM"), "Access is denied. (0x5)")
t.eq(ipsec.get("Denied-QM").state, "active")

-- unassign, then delete
t.eq(ipsec.assign("Active-QM", false), true)
t.eq(ipsec.get("Active-QM").assigned, false)
t.eq(ipsec.assign("Active-QM", true), true)
t.eq(ipsec.get("Active-QM").assigned, true)
t.ok(ipsec.assign("Active-QM", false))
t.eq(ipsec.delete("Active-QM"), true)

-- values the host cannot take
t.contains(t.err("invalid", ipsec.get, "bad\xff"), "UTF-8")
t.contains(t.err("invalid", ipsec.delete, "nul\0name"), "NUL")
t.err("invalid", ipsec.create, { name = "x\xc3" })
t.err("invalid", ipsec.create, { name = "" })
t.err("invalid", ipsec.assign, "\xfe", false)

-- wrong argument types raise
t.raises("bad argument #1", ipsec.get)
t.raises("bad argument #1", ipsec.get, {})
t.raises("bad argument #1", ipsec.delete, true)
t.raises("bad argument #2", ipsec.assign, "Corp-QM", "yes")
t.raises("bad argument #2", ipsec.assign, "Corp-QM")
t.raises("bad argument #1", ipsec.create, "Corp-QM")
t.raises("'name' is required", ipsec.create, {})
t.raises("'name' must be a string", ipsec.create, { name = 5 })
t.raises("'description' must be a string", ipsec.create, { name = "X", description = false })
t.raises("bad argument #1", ipsec.store_key, nil)

-- require gives the same module
t.eq(require "ipsec", ipsec)
return t.finish()
