-- IPsec task offload: which network adapters have it on, why that keeps policies stuck, turning it
-- off where --allow nic permits (each change restarts the adapter), and turning it back on.
--
--   local offload = require "offload"
--   for _, n in ipairs(offload.offloading()) do print(n.name) end
--
-- Run on its own it explains and, with --allow nic, turns offload off on every adapter; with "on"
-- it turns offload back on, restoring the values mend recorded when it turned it off:
--   mend run [--allow nic] scripts/offload.lua
--   mend run --allow nic scripts/offload.lua on [ADAPTER...]
local M = {}

M.why = "IPsec task offload lets the network adapter hold security associations in hardware; "
     .. "while it does, Windows keeps the policy those SAs came from pending deletion. The "
     .. "adapter reads the setting only when it starts, so mend turns offload off and restarts "
     .. "the adapter (its link drops for a few seconds), then restarts PolicyAgent."

M.link_drops = "changing IPsec task offload restarts the adapter: its link drops for a few seconds"

-- Where mend keeps, per adapter, the values "off" replaced (what "on" puts back).
M.RECORD_KEY = "HKLM\\SOFTWARE\\mend\\NicOffload"

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

-- The adapter's ipsec_offload as nic.list reads it now (nil when unreadable or not listed).
local function offload_now(name)
  for _, n in ipairs(nic.list() or {}) do
    if n.name == name then return n.ipsec_offload end
  end
  return nil
end

-- Sets offload on each adapter given (nic tables or names). Returns a list of
-- {name, ok, changed, restarted, message, code}: changed = the setting was written, restarted =
-- the adapter restarted so it took effect. The nic gate refuses with code "not_permitted" when
-- --allow nic (or --yes) was not given. `purpose(name)`, when given, says what each change is for
-- (mend.purpose: a prompt's last sentence); without it the caller's purpose stands.
function M.set(nics, on, purpose)
  local results = {}
  for _, n in ipairs(nics) do
    local name = type(n) == "table" and n.name or n
    if purpose then mend.purpose(purpose(name)) end
    local ok, msg, code = nic.set_ipsec_offload(name, on)
    if purpose then mend.purpose(nil) end
    local r = { name = name, ok = ok == true, changed = ok == true, restarted = ok == true,
                message = msg, code = code }
    if not ok and code ~= "not_permitted" then
      -- The binding fails after the write when only the restart failed: the registry tells which.
      r.changed = offload_now(name) == on
    end
    results[#results + 1] = r
  end
  return results
end

function M.disable(nics, purpose) return M.set(nics, false, purpose) end
function M.enable(nics, purpose) return M.set(nics, true, purpose) end

-- What the standalone script's changes are for, said in its prompts.
local function for_stuck(name)
  return string.format("NIC %s: its offloaded SAs keep the policies they came from pending deletion", name)
end
local function for_restore(name)
  return string.format("NIC %s: offload back on as it was before mend turned it off", name)
end

-- The adapters mend turned offload off on and can restore (names), from its record.
function M.recorded()
  local keys = reg.keys(M.RECORD_KEY) or {}
  local out = {}
  for _, k in ipairs(keys) do
    local name = reg.get(M.RECORD_KEY .. "\\" .. k, "Adapter")
    if type(name) == "string" and name ~= "" then out[#out + 1] = name end
  end
  table.sort(out)
  return out
end

-- The report steps for results of M.set: the change, then the adapter restart, each a step.
function M.steps(results, on)
  local what = on and "on" or "off"
  local out = {}
  for _, r in ipairs(results) do
    if r.changed then
      out[#out + 1] = { action = "nic.set_ipsec_offload", target = r.name, ok = true,
                        message = on and ("IPsec task offload turned on again on " .. r.name
                                          .. " (the values it had before mend turned it off, else the driver's default)")
                                     or ("IPsec task offload turned off on " .. r.name
                                         .. " (its previous values are kept under " .. M.RECORD_KEY
                                         .. " for turning it on again)") }
      if r.restarted then
        out[#out + 1] = { action = "nic.restart_adapter", target = r.name, ok = true,
                          message = "restarted " .. r.name .. " so offload " .. what
                                    .. " takes effect; its link dropped for a few seconds" }
      else
        out[#out + 1] = { action = "nic.restart_adapter", target = r.name, ok = false, code = r.code,
                          message = r.message }
      end
    elseif r.code ~= "not_permitted" then
      out[#out + 1] = { action = "nic.set_ipsec_offload", target = r.name, ok = false, code = r.code,
                        message = r.message }
    end
  end
  return out
end

-- The advice for an adapter whose change waits for its next restart.
function M.restart_advice(name)
  return string.format("IPsec task offload was changed on %s but the adapter did not restart, so the change "
                       .. "has no effect yet: restart the adapter (Restart-NetAdapter -Name \"%s\"; its link "
                       .. "drops for a few seconds) or reboot.", name, name)
end

-- The advice line for adapters left offloading, with the command that allows the change.
function M.advice(nics, command)
  local names = {}
  for _, n in ipairs(nics) do names[#names + 1] = n.name end
  return string.format("IPsec task offload is on for %s: %s To let mend turn it off: %s",
                       table.concat(names, ", "), M.why, command)
end

-- Records the steps and advice of one M.set pass; returns whether every change took effect.
local function report(results, on, command)
  local left, all = {}, true
  for _, s in ipairs(M.steps(results, on)) do
    s.rung = "offload"
    mend.step(s)
  end
  for _, r in ipairs(results) do
    if r.code == "not_permitted" then left[#left + 1] = { name = r.name } end
    if r.changed and not r.restarted then mend.advise(M.restart_advice(r.name)) end
    all = all and r.ok
  end
  if #left > 0 then mend.advise(M.advice(left, command)) end
  return all
end

local function turn_on(names)
  if #names == 0 then names = M.recorded() end
  if #names == 0 then
    log.info("mend has not turned IPsec task offload off on any adapter; name adapters to turn it on")
    return 0
  end
  log.info("%s", M.link_drops)
  return report(M.enable(names, for_restore), true, "mend run --allow nic scripts/offload.lua on") and 0 or 1
end

local function main()
  if mend.args[1] == "on" then
    local names = {}
    for i = 2, #mend.args do names[#names + 1] = mend.args[i] end
    return turn_on(names)
  end
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
  if not report(M.disable(list, for_stuck), false, "mend run --allow nic scripts/offload.lua") then return 1 end
  local names = {}
  for _, n in ipairs(list) do names[#names + 1] = n.name end
  mend.purpose(string.format("NIC %s: PolicyAgent lets go of the policies once offload is off",
                             table.concat(names, ", ")))
  local ok, rmsg = svc.restart("PolicyAgent")
  mend.purpose(nil)
  mend.step{ rung = "offload", action = "svc.restart", target = "PolicyAgent", ok = ok == true,
             message = ok and "PolicyAgent restarted with offload off" or rmsg }
  return ok and 0 or 1
end

if arg and type(arg[0]) == "string" and arg[0]:match("[^/\\]+$") == "offload.lua" then
  return main()
end

return M
