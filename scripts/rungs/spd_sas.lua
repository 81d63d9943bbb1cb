-- Rung spd_sas: drop the quick-mode SAs that keep a policy's quick-mode policy pending deletion in the SPD, then delete again.
local diagnose = require "lib.diagnose"

local function plural(n, one, many) return string.format("%d %s", n, n == 1 and one or many) end

return {
  name = "spd_sas",
  gate = "service",
  tells = "Drop the IPsec quick-mode SAs that keep the policy's quick-mode policy pending deletion in the SPD "
       .. "(DeleteQMSAs, as netsh ipsec dynamic delete sa does), once per quick-mode policy, then delete the "
       .. "policy again; IKE negotiates new SAs for traffic that still needs them.",
  applies = function(ctx, p)
    local d = diagnose.spd_pending(ctx, p, "spd_sas")
    return d ~= nil and d.qm.sas > 0
  end,
  act = function(ctx, set)
    local by_qm, order = {}, {}
    for _, p in ipairs(set) do
      local qm = p.diag.qm.name
      if not by_qm[qm] then by_qm[qm] = {}; order[#order + 1] = qm end
      table.insert(by_qm[qm], p)
    end
    for _, qm in ipairs(order) do
      local policies = by_qm[qm]
      local sas = policies[1].diag.qm.sas
      local ok, msg, code = spd.delete_sas(qm)
      ctx:step(nil, { action = "spd.delete_sas", target = qm, ok = ok == true, code = code, policies = #policies,
                      message = ok and string.format("dropped %s of quick-mode policy '%s'",
                                                     plural(sas, "SA", "SAs"), qm) or msg })
      for _, p in ipairs(policies) do
        if code == "not_permitted" then
          ctx:need(p, "service", "dropping the IPsec SAs of its quick-mode policy (spd.delete_sas; or a Policy "
                   .. "Agent restart)", msg)
        elseif not ok then
          ctx:fail(p, string.format("the SAs of quick-mode policy '%s' could not be dropped: %s", qm, msg))
        end
      end
    end
    ctx.spd_changes = (ctx.spd_changes or 0) + 1
  end,
}
