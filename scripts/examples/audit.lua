-- Example: an audit-only report of every IPsec policy, its blockers and the machine's IPsec settings.
--
--   mend run --report audit.json scripts/examples/audit.lua
--
-- Reads only: nothing on the machine changes, whatever --allow says. Every policy gets an entry
-- (healthy, or failed when stuck) with what holds it; the exit code is always 0, so a fleet tool
-- can collect the report on its own schedule (use `mend check` for detection).
local handle_check = require "handle_check"
local offload = require "offload"

local agent = svc.query("PolicyAgent")
mend.step{ rung = "audit", action = "svc.query", target = "PolicyAgent", ok = agent ~= nil,
           state = agent and agent.state or "unknown",
           message = agent and ("PolicyAgent is " .. agent.state) or "PolicyAgent not found" }
local nics = offload.offloading() or {}
for _, n in ipairs(nics) do
  mend.step{ rung = "audit", action = "nic.list", target = n.name, ok = true,
             message = n.name .. " has IPsec task offload on" }
end
log.info("%s on %s", mend.host == "sim" and "simulated host" or "this host", sys.os())

local policies, msg = ipsec.policies()
if not policies then
  log.error("cannot list the IPsec policies: %s", msg)
  return 1
end
local stuck = 0
for _, p in ipairs(policies) do
  local holders = handle_check.holders(p.name) or {}
  local list = {}
  for _, h in ipairs(holders) do
    list[#list + 1] = { pid = h.pid, process = h.process, class = h.class, product = h.product }
  end
  local in_store = reg.exists(p.store_key)
  mend.step{ policy = p.name, rung = "audit", action = "inspect", ok = p.state == "active",
             state = p.state, assigned = p.assigned, sa_count = p.sa_count, guid = p.guid,
             in_store = in_store == true, holders = list,
             message = string.format("%s%s, %d SA(s), %d holder(s)", p.state, p.assigned and ", assigned" or "",
                                     p.sa_count, #list) }
  local outcome = p.state == "active" and "healthy" or "failed"
  if outcome == "failed" then stuck = stuck + 1 end
  mend.outcome(p.name, { before = p.state, after = p.state, outcome = outcome })
end
log.info("%d policies, %d pending deletion", #policies, stuck)
return 0
