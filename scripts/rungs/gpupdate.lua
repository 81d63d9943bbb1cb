-- Rung gpupdate: one refresh of computer policy for what group policy's cache brings back.
local quote = require "lib.quote"

return {
  name = "gpupdate",
  tells = "Refreshes computer policy once (`gpupdate /target:computer /force /wait:N`, computer policy only; "
       .. "N = 600, or less so it ends inside mend's own --timeout) for the policies whose delete was accepted "
       .. "but which group policy's cache keeps listing, and for stale copies of GPO-delivered policies (one "
       .. "that stays after the refresh ends `failed`, never deleted locally).",
  applies = function(_, p) return p.kind == "accepted" or p.kind == "gpo_stale" end,
  act = function(ctx, set)
    -- IPsec policy is computer policy: refreshing user policy too could ask for a logoff.
    local ok, args_or_msg, code = sys.gpupdate{ force = true }
    ctx:step(nil, { action = "sys.gpupdate", target = ok and args_or_msg or "/target:computer /force", ok = ok == true,
                    code = code, policies = #set,
                    message = ok and ("refreshed computer policy for " .. quote.plural(#set, "policy", "policies"))
                              or args_or_msg })
    if not ok then
      for _, p in ipairs(set) do ctx:fail(p, "gpupdate /target:computer /force failed: " .. args_or_msg) end
    end
  end,
}
