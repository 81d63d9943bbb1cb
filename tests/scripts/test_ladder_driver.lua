-- The driver is set-based: a rung's action runs once for every policy it applies to, the delete
-- is retried on each, policies that end absent are fixed by that rung, and the rest keep their
-- blocker for the next rung; the driver never climbs a rung twice for the same policy.
local t = require "testlib"
local ladder = require "lib.ladder"
local r = ladder.rungs_by_name()

local acts, seen = {}, {}
local spy = {
  name = "spy",
  tells = "counts its calls",
  applies = function(_, p) return p.kind == "accepted" or p.kind == "stale" end,
  act = function(ctx, set)
    acts[#acts + 1] = #set
    for _, p in ipairs(set) do seen[p.name] = (seen[p.name] or 0) + 1 end
    ctx:restart_agent(set, "by the spy")
    sys.gpupdate{ force = true }
  end,
}
local names = { "QM-Purge", "QM-Gpo", "QM-Stale", "QM-Held", "No-Such-QM", "Server-Active", "QM-Purge" }
local ctx = ladder.run({ r.identify, r.delete, spy, r.handle_check }, { names = names })

t.eq(#ctx.policies, 6, "duplicates merged")
t.eq(#acts, 1, "the spy rung acted once")
t.eq(acts[1], 2, "for both of its policies")
t.eq(seen["QM-Gpo"], 1)
t.eq(seen["QM-Stale"], 1)
local by = ctx.by_name
t.eq(by["QM-Purge"].outcome, "fixed")
t.eq(by["QM-Purge"].rung, "delete")
t.eq(by["QM-Gpo"].outcome, "fixed")
t.eq(by["QM-Gpo"].rung, "spy")
t.eq(by["QM-Stale"].rung, "spy")
t.eq(by["QM-Held"].rung, "handle_check")
t.eq(by["No-Such-QM"].outcome, "not_found")
t.eq(by["Server-Active"].outcome, "healthy")
t.eq(by["QM-Stale"].said_missing, true, "0x2 remembered")
t.eq(ctx.restarts, 1)
t.eq(ipsec.get("Server-Active").state, "active")

-- A rung whose gate is refused holds its policies back, and they end blocked with advice.
local ctx2 = ladder.run({ r.identify, r.delete, r.registry }, { names = { "QM-Corrupt" } })
t.eq(ctx2.by_name["QM-Corrupt"].outcome, "blocked")
t.eq(ctx2.by_name["QM-Corrupt"].needs.registry ~= nil, true)
-- A rung's gate is what a refusal records: ctx:refused needs no capability of its own.
local gated = { name = "gated", tells = "t", gate = "nic", when = "in_use",
                act = function(ctx, set) for _, p in ipairs(set) do ctx:refused(p, "a test action", "refused") end end }
local ctx3 = ladder.run({ r.identify, r.delete, gated }, { names = { "QM-Offload" } })
t.eq(ctx3.by_name["QM-Offload"].outcome, "blocked")
t.eq(ctx3.by_name["QM-Offload"].rung, "gated")
t.ok(ctx3.by_name["QM-Offload"].needs.nic)

-- Two rungs that each need PolicyAgent to start again share one restart, done after both
-- acted (the e2e least_disruption_all_blockers checks what it frees).
local restarts_seen = {}
local function asking(name, kind)
  return { name = name, tells = "t", when = kind, act = function(ctx, set)
    restarts_seen[name] = ctx.restarts
    ctx:want("restart", set, "for " .. name)
  end }
end
local ctx4 = ladder.run({ r.identify, r.delete, asking("first", "in_use"), asking("second", "io") },
                        { names = { "QM-Driver", "QM-Corrupt" } })
t.eq(ctx4.restarts, 1, "one restart for both rungs")
t.eq(restarts_seen, { first = 0, second = 0 }, "both asked before it happened")
t.eq(not ctx4.by_name["QM-Driver"].waiting, true, "no policy left waiting")
t.eq(ctx4.by_name["QM-Driver"].outcome, "failed", "a restart does not clear driver state")
return t.finish()
