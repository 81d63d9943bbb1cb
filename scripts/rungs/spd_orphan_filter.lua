-- Rung spd_orphan_filter: delete the SPD filters that keep a policy's quick-mode policy pending deletion, then delete again.
local diagnose = require "lib.diagnose"

return {
  name = "spd_orphan_filter",
  gate = "service",
  tells = "Delete the transport and tunnel filters the SPD still holds for a quick-mode policy pending deletion "
       .. "(DeleteTransportFilter / DeleteTunnelFilter through a handle opened on the filter), once per filter, "
       .. "so the quick-mode policy goes with its last reference, then delete the policy again. The assigned "
       .. "policy's filters are left alone (unassign comes first); a Policy Agent restart would rebuild them all.",
  applies = function(ctx, p)
    local d = diagnose.spd_pending(ctx, p, "spd_orphan_filter")
    return d ~= nil and not d.assigned and #d.orphan_filters > 0
  end,
  act = function(ctx, set)
    -- One delete per filter, by GUID (names can repeat), however many policies share it.
    local users, order = {}, {}
    for _, p in ipairs(set) do
      for _, f in ipairs(p.diag.orphan_filters) do
        if not users[f.guid] then users[f.guid] = { filter = f }; order[#order + 1] = f.guid end
        table.insert(users[f.guid], p)
      end
    end
    for _, guid in ipairs(order) do
      local f = users[guid].filter
      local ok, msg, code = spd.delete_filter(guid)
      local what = string.format("%s filter '%s' (%s)", f.type, f.name, guid)
      ctx:step(nil, { action = "spd.delete_filter", target = guid, ok = ok == true, code = code,
                      policies = #users[guid],
                      message = ok and string.format("deleted %s, which kept quick-mode policy '%s' pending deletion",
                                                     what, f.qm_policy) or msg })
      for _, p in ipairs(users[guid]) do
        if code == "not_permitted" then
          ctx:need(p, "service", "deleting the SPD filter that keeps its quick-mode policy pending deletion "
                   .. "(spd.delete_filter; or a Policy Agent restart)", msg)
        elseif not ok and code ~= "not_found" then   -- not_found: gone meanwhile, the retry tells
          ctx:fail(p, string.format("%s could not be deleted: %s", what, msg))
        end
      end
    end
    ctx.spd_changes = (ctx.spd_changes or 0) + 1
  end,
}
