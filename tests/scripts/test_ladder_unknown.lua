-- A host that cannot tell a policy's state (Windows: state "unknown") : --all-pending never
-- picks such a policy, a named one still climbs the ladder and its identify step says why.
-- The simulator answers active/pending_deletion, so ipsec.get/state/states/policies are wrapped here to
-- report QM-Purge (stuck) and Server-Active (active) as the Windows host would.
local t = require "testlib"
local ladder = require "lib.ladder"
local r = ladder.rungs_by_name()

local REASON = "the store does not record it"
local hidden = { ["QM-Purge"] = true, ["Server-Active"] = true }
local get, policies = ipsec.get, ipsec.policies
local function as_windows(p)
  if p and hidden[p.name] then p.state, p.state_reason = "unknown", REASON end
  return p
end
ipsec.get = function(name)
  local p, msg, code = get(name)
  if not p then return nil, msg, code end
  return as_windows(p)
end
local state = ipsec.state
ipsec.state = function(name)
  local s, source, code = state(name)
  if s and hidden[name] then return "unknown", source end
  return s, source, code
end
local states = ipsec.states
ipsec.states = function()
  local names, list = assert(states())
  for i, name in ipairs(names) do
    if hidden[name] then list[i] = "unknown" end
  end
  return names, list
end
ipsec.policies = function()
  local list = assert(policies())
  for _, p in ipairs(list) do as_windows(p) end
  return list
end

local pending, unknown = ladder.pending_names()
t.ok(pending, "pending_names answers")
t.eq(t.find(pending, function(n) return n == "QM-Purge" end), nil, "unknown state is not pending")
t.ok(#pending > 0, "the truly pending ones are still listed")
table.sort(unknown)
t.eq(unknown, { "QM-Purge", "Server-Active" }, "the unknown ones come back apart")

-- What --all-pending climbs: QM-Purge is not touched.
ladder.run({ r.identify, r.delete }, { names = pending })
t.ok(get("QM-Purge"), "an unknown-state policy is never deleted on a guess")

-- Named, it climbs the ladder (the admin saw 0x32DF for it) and the step says so.
local ctx = ladder.run({ r.identify, r.delete }, { names = { "QM-Purge" } })
local p = ctx.by_name["QM-Purge"]
t.eq(p.before, "unknown")
t.eq(p.outcome, "fixed")
t.eq(p.rung, "delete")
t.eq(select(3, get("QM-Purge")), "not_found")
return t.finish()
