-- Rung restart: the PolicyAgent restart for policies gone from the store but in its memory.
local quote = require "lib.quote"

return {
  name = "restart",
  tells = "Restart the Policy Agent once for the policies whose delete said \"The system cannot "
       .. "find the file specified\" (0x2): gone from the store, stuck in its memory.",
  when = "stale",
  act = function(ctx, set)
    ctx:want_restart(set, "for " .. quote.plural(#set, "policy", "policies") .. " only in its memory")
  end,
}
