-- The non-system processes holding a policy's store key, for the handle_check and offload rungs.
local handle_check = require "handle_check"

local M = {}

-- Non-system holders of p (cached on the record for the rung's act); p.unseen keeps the
-- processes the scan could not look inside, for the advice.
function M.blocking(ctx, p)
  if ctx.held == nil then ctx.held = handle_check.index() or false end   -- one scan per rung
  local list, msg, code = handle_check.holders(p.name, ctx.held or nil)
  if not list then
    p.holder_error = msg
    return {}, code
  end
  p.holders, p.unseen = list, msg
  for _, h in ipairs(list) do
    -- A VPN client Windows marks critical (e.g. its service restarts the computer on failure):
    -- ending it would stop the machine, so it is the admin's to stop from its own console.
    if h.class == "system" and handle_check.vpn[tostring(h.process):lower()] then
      ctx:note(string.format("%s holds %s open, but Windows marks it critical, so mend never stops it: "
        .. "disconnect or stop it from its own console (or change its service's recovery options), "
        .. "then run mend again.", handle_check.describe(h), p.name))
    end
  end
  return handle_check.blocking(list)
end

return M
