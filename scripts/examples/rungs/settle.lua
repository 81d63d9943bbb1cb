-- A rung of our own, in its own file (scripts/examples/custom_ladder.lua loads it): waits for
-- the Policy Agent's asynchronous delete once, before anything more drastic.
return {
  name = "settle",
  tells = "Wait five seconds once, then verify: the Policy Agent processes deletes asynchronously.",
  applies = function(_, p) return p.kind == "accepted" or p.kind == "stale" end,
  act = function(ctx, set)
    sys.sleep(5)
    ctx:step(nil, { action = "sys.sleep", ok = true, message = "waited 5 s for " .. #set .. " policies" })
  end,
}
