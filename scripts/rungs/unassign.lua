-- Rung unassign: unassigns the assigned policy still in use so it can be deleted.
local quote = require "lib.quote"

return {
  name = "unassign",
  tells = "For a policy still \"in use\" that is the assigned one: unassigns it (netsh ipsec static set "
       .. "policy assign=n), since the pending-deletion flag sometimes clears only when no network uses it, "
       .. "then deletes it; the advice says how to recreate and re-assign it.",
  applies = function(ctx, p)
    if p.kind ~= "in_use" then return false end
    local cur = ctx:get(p)
    return cur ~= nil and cur.assigned == true
  end,
  act = function(ctx, set)
    for _, p in ipairs(set) do
      local ok, msg, code = ipsec.assign(p.name, false)
      ctx:step(p, { action = "ipsec.assign", target = "false", ok = ok == true, code = code,
                    message = ok and "unassigned" or msg })
      if ok then
        ctx:note(string.format("%s was unassigned so it could be deleted; no IPsec policy is assigned now. "
          .. "To protect traffic again, recreate it (mend run scripts/examples/recreate_policy.lua %s) and "
          .. "assign it (netsh ipsec static set policy name=%s assign=y).", p.name, quote.quote(p.name), quote.quote(p.name)))
      else
        ctx:fail(p, "could not unassign it: " .. msg, code == "access_denied")
      end
    end
  end,
}
