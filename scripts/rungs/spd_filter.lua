-- Rung spd_filter: delete a quick-mode policy the SPD still lists pending deletion once nothing references it, then delete again.
local diagnose = require "lib.diagnose"

return {
  name = "spd_filter",
  gate = "service",
  tells = "Delete the quick-mode policy the SPD still lists pending deletion once no filter or SA references "
       .. "it (DeleteQMPolicy, as netsh ipsec dynamic delete qmpolicy does), then delete the policy again. "
       .. "One that filters still reference is left to spd_orphan_filter.",
  applies = function(ctx, p)
    local d = diagnose.spd_pending(ctx, p, "spd_filter")
    return d ~= nil and d.qm.sas == 0 and #d.orphans == 0
  end,
  each = function(ctx, p)
    local qm = p.diag.qm.name
    local ok, msg, code = spd.delete_qm_policy(qm)
    ctx:step(p, { action = "spd.delete_qm_policy", target = qm, ok = ok == true, code = code,
                  message = ok and string.format("deleted quick-mode policy '%s', which nothing referenced", qm)
                            or msg })
    ctx.spd_changes = (ctx.spd_changes or 0) + 1
    if code == "not_permitted" then
      ctx:need(p, "service", "deleting its unreferenced quick-mode policy from the SPD (spd.delete_qm_policy; "
               .. "or a Policy Agent restart)", msg)
    elseif not ok then
      ctx:fail(p, string.format("quick-mode policy '%s' could not be deleted: %s", qm, msg))
    else
      ctx:retry(p)
    end
  end,
}
