-- Rung offload: IPsec task offload off on the adapters holding old SAs, then the restart.
local holders = require "lib.holders"
local offload = require "offload"
local AGENT = require("lib.ctx").AGENT

-- The adapters offloading IPsec, read once per rung.
local function offloading(ctx)
  if ctx.nics == nil then
    local list, msg = offload.offloading()
    ctx.nics = list or false
    ctx.nics_error = msg
  end
  return ctx.nics
end

return {
  name = "offload",
  gate = "nic",
  tells = "For a delete still refused \"in use\" with no holder and no assignment: turns IPsec task "
       .. "offload off on the adapters that have it (their hardware keeps the old SAs) and restarts each "
       .. "adapter so the change takes effect (its link drops for a few seconds; counted in "
       .. "`adapter_restarts`; the previous values are kept, so `mend run --allow nic scripts/offload.lua on` "
       .. "restores them), then PolicyAgent restarts so it lets go. With no adapter offloading it still asks "
       .. "for that restart, if none happened yet, for offload turned off earlier without one.",
  applies = function(ctx, p)
    if p.kind ~= "in_use" then return false end
    local cur = ctx:get(p)
    if not cur or cur.assigned then return false end
    if #holders.blocking(ctx, p) > 0 then return false end
    local nics = offloading(ctx)
    -- With no adapter offloading now, a restart still helps if offload was turned off
    -- without one (by hand, or by a run that was cut short); after a restart it cannot.
    return nics and (#nics > 0 or ctx.restarts == 0)
  end,
  act = function(ctx, set)
    local nics = offloading(ctx) or {}
    ctx.nics = nil
    local names = {}
    for _, n in ipairs(nics) do names[#names + 1] = n.name end
    if #nics > 0 then
      log.info("%s (%s)", offload.link_drops, table.concat(names, ", "))
      -- The prompt says the restart that follows (C names the services that depend on it).
      local policies = {}
      for i, p in ipairs(set) do policies[i] = p.name end
      mend.purpose({ policies = policies, restart = AGENT })
      local results = offload.disable(nics)
      for _, st in ipairs(offload.steps(results, false)) do ctx:step(nil, st) end
      local refused, failed, waiting = {}, {}, {}
      for _, r in ipairs(results) do
        if r.code == "not_permitted" then
          refused[#refused + 1] = r
        elseif r.changed and not r.restarted then
          waiting[#waiting + 1] = r
        elseif not r.ok then
          failed[#failed + 1] = r
        end
      end
      if #refused > 0 then
        for _, p in ipairs(set) do
          ctx:refused(p, "turning IPsec task offload off on " .. table.concat(names, ", ")
                   .. " (each adapter restarts: its link drops for a few seconds)", refused[1].message)
        end
        ctx:note(offload.why)
        return
      end
      for _, r in ipairs(waiting) do ctx:note(offload.restart_advice(r.name)) end
      if #failed > 0 or #waiting > 0 then
        local r = failed[1] or waiting[1]
        for _, p in ipairs(set) do
          ctx:fail(p, string.format("could not turn IPsec task offload off on %s: %s", r.name, r.message))
        end
        return
      end
      ctx:note(string.format("IPsec task offload was turned off on %s, and each adapter restarted so it took "
        .. "effect. Leave it off: the article's prevention tip, since offload is what kept the policy stuck. "
        .. "To turn it on again with the values it had: mend run --allow nic scripts/offload.lua on",
        table.concat(names, ", ")))
      ctx:want("restart", set, "with IPsec task offload off")
    else
      ctx:want("restart", set, "whose SAs an adapter may still hold")
    end
  end,
}
