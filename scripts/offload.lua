-- IPsec task offload: which network adapters have it on, why that keeps policies stuck, and
-- turning it off where --allow nic permits.
--
--   local offload = require "offload"
--   for _, n in ipairs(offload.offloading()) do print(n.name) end
--
-- Run on its own it explains and, with --allow nic, turns offload off on every adapter:
--   mend run [--allow nic] scripts/offload.lua
local M = {}

M.why = "IPsec task offload lets the network adapter hold security associations in hardware; "
     .. "while it does, Windows keeps the policy those SAs came from pending deletion. The "
     .. "Policy Agent lets go only when it starts with offload off, so mend turns offload off "
     .. "and then restarts PolicyAgent."

-- Adapters with IPsec task offload on (a list of nic tables), or nil, message, code.
function M.offloading()
  local list, msg, code = nic.list()
  if not list then return nil, msg, code end
  local out = {}
  for _, n in ipairs(list) do
    if n.ipsec_offload then out[#out + 1] = n end
  end
  return out
end

-- Turns offload off on each adapter given. Returns a list of {name, ok, message, code}; the
-- nic gate refuses with code "not_permitted" when --allow nic (or --yes) was not given.
function M.disable(nics)
  local results = {}
  for _, n in ipairs(nics) do
    local ok, msg, code = nic.set_ipsec_offload(n.name, false)
    results[#results + 1] = { name = n.name, ok = ok == true, message = msg, code = code }
  end
  return results
end

-- The advice line for adapters left offloading, with the command that allows the change.
function M.advice(nics, command)
  local names = {}
  for _, n in ipairs(nics) do names[#names + 1] = n.name end
  return string.format("IPsec task offload is on for %s: %s To let mend turn it off: %s",
                       table.concat(names, ", "), M.why, command)
end

local function main()
  local list, msg = M.offloading()
  if not list then
    log.error("cannot list network adapters: %s", msg)
    return 1
  end
  if #list == 0 then
    log.info("no network adapter has IPsec task offload on")
    return 0
  end
  log.info("%s", M.why)
  local left = {}
  for _, r in ipairs(M.disable(list)) do
    mend.step{ rung = "offload", action = "nic.set_ipsec_offload", target = r.name, ok = r.ok,
               message = r.ok and ("IPsec task offload turned off on " .. r.name) or r.message,
               code = r.code }
    if not r.ok then left[#left + 1] = { name = r.name } end
  end
  if #left > 0 then
    mend.advise(M.advice(left, "mend run --allow nic scripts/offload.lua"))
    return 1
  end
  local ok, rmsg = svc.restart("PolicyAgent")
  mend.step{ rung = "offload", action = "svc.restart", target = "PolicyAgent", ok = ok == true,
             message = ok and "PolicyAgent restarted with offload off" or rmsg }
  return ok and 0 or 1
end

if arg and type(arg[0]) == "string" and arg[0]:match("[^/\\]+$") == "offload.lua" then
  return main()
end

return M
