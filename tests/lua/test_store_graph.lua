-- ipsec.remove_from_store: the registry rung's removal of a policy's whole store graph, behind
-- one .reg backup that restores it byte for byte. Run refused, allowed and in dry-run.
local t = require "testlib"

local LOCAL = "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Local"
local FORWARD = { "ipsecISAKMPPolicyReference", "ipsecISAKMPReference", "ipsecNFAReference",
                  "ipsecNegotiationPolicyReference", "ipsecFilterReference" }

local function list(v)
  if v == nil then return {} end
  return type(v) == "table" and v or { v }
end

local function read(file)
  local f = assert(io.open(file, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

-- Every reference names a key that exists and lists the referrer as an owner; every owner exists.
local function assert_whole()
  for _, k in ipairs(reg.keys(LOCAL)) do
    local path = LOCAL .. "\\" .. k
    local self = path:sub(6)
    for _, name in ipairs(FORWARD) do
      for _, ref in ipairs(list((reg.get(path, name)))) do
        local owners = list((reg.get("HKLM\\" .. ref, "ipsecOwnersReference")))
        t.ok(t.find(owners, function(o) return o == self end), path .. " -> " .. ref .. " dangles")
      end
    end
    for _, owner in ipairs(list((reg.get(path, "ipsecOwnersReference")))) do
      t.ok(reg.exists("HKLM\\" .. owner), path .. " lists a missing owner " .. owner)
    end
  end
  local active = reg.get(LOCAL, "ActivePolicy")
  if active then t.ok(reg.exists("HKLM\\" .. active), "ActivePolicy names a missing key") end
end

local function lan()
  for _, k in ipairs(reg.keys(LOCAL)) do
    if k:match("^ipsecFilter{") and reg.get(LOCAL .. "\\" .. k, "ipsecName") == "LAN" then
      return LOCAL .. "\\" .. k
    end
  end
end

assert_whole()
local key = ipsec.store_key("Corp-QM")
t.eq(reg.get(LOCAL, "ActivePolicy"), key:sub(6))
t.eq(#reg.get(lan(), "ipsecOwnersReference"), 2)
t.eq(#reg.keys(LOCAL), 13)
t.ok(reg.export(LOCAL, "before.reg"))

t.err("not_found", ipsec.remove_from_store, "Nope")
t.raises("bad argument #1", ipsec.remove_from_store)

if not mend.allowed("registry") then
  t.contains(t.err("not_permitted", ipsec.remove_from_store, "Corp-QM"), "--allow registry")
  t.ok(reg.export(LOCAL, "after.reg"))
  t.eq(read("after.reg") == read("before.reg"), true, "a refused removal changes nothing")
  return
end

local ok, backup, info = ipsec.remove_from_store("Corp-QM")
t.eq(ok, true, backup)
t.ok(backup:match("/backups/%d+T%d+Z%-.*ipsecPolicy{[%x%-]+}%.reg$"), backup)
t.eq(info.active_cleared, true)
t.eq(#info.removed, 4)          -- the policy, its ISAKMP object, its rule, its own filter action
t.eq(info.removed[1], key)
t.eq(info.updated, { lan() })   -- the shared filter list stays, without Corp-QM's rule
t.eq(#reg.get(lan(), "ipsecOwnersReference"), 1)
t.eq(#reg.keys(LOCAL), 9)
t.err("not_found", reg.get, LOCAL, "ActivePolicy")
for _, k in ipairs(info.removed) do t.eq(reg.exists(k), false, k) end
assert_whole()

if mend.dry_run then
  -- A rehearsal: the backup is only rendered, and nothing is saved (the runner checks the state).
  t.eq(io.open(backup, "rb"), nil)
  return
end

-- The one backup restores the graph exactly.
t.ok(io.open(backup, "rb")):close()
t.ok(reg.import(backup))
t.ok(reg.export(LOCAL, "after.reg"))
t.eq(read("after.reg") == read("before.reg"), true, "the backup restores the store byte for byte")
assert_whole()
-- The other policies keep their graphs when the second sharer goes too.
t.ok(ipsec.remove_from_store("Branch"))
assert_whole()
t.eq(lan() ~= nil, true, "LAN is still Corp-QM's")
