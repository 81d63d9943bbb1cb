-- Rung reboot: the last resort, one reboot with the resume registered to verify after boot.
local quote = require "lib.quote"

-- Room for policy names on the resume's command line, well under CreateProcess's 32,767
-- characters once quoting and the executable's path are added.
local RESUME_NAMES_MAX = 8000

return {
  name = "reboot",
  gate = "reboot",
  last_resort = true,
  tells = "Last resort, for what is still stuck and not waiting for a gate you did not open: reboots once "
       .. "(the IPsec driver resets its table at boot), with `mend fix --resume` registered as a one-shot "
       .. "scheduled task at startup (as SYSTEM, no logon needed) to verify and finish after boot.",
  applies = function(ctx, p)
    return not p.fatal and not ctx:blocked_by_gate(p)
  end,
  act = function(ctx, set)
    -- The task's command line goes to CreateProcess (32,767 characters at most): a long list
    -- resumes as --all-pending instead, which covers the same stuck policies.
    local args, length = {}, 0
    for _, p in ipairs(set) do
      args[#args + 1] = p.name
      length = length + #p.name + 3
    end
    if length > RESUME_NAMES_MAX then args = { "--all-pending" } end
    local caps = {}
    for _, c in ipairs(quote.CAP_ORDER) do
      if c ~= "reboot" and mend.allowed(c) then caps[#caps + 1] = c end
    end
    if #caps > 0 then
      args[#args + 1] = "--allow"
      args[#args + 1] = table.concat(caps, ",")
    end
    for _, n in ipairs(mend.stop_holders or {}) do
      args[#args + 1] = "--stop-holder"
      args[#args + 1] = n
    end
    local function register()
      local ok, cmd_or_msg, code = sys.resume_after_reboot(args)
      ctx:step(nil, { action = "sys.resume_after_reboot", ok = ok == true, code = code, policies = #set,
                      message = ok and ("after boot: " .. cmd_or_msg) or cmd_or_msg })
      -- The reboot still clears what it clears; the advice then says to resume by hand.
      if not ok then ctx.resume_unregistered = cmd_or_msg end
    end
    -- Register the resume before the reboot starts, but only once the reboot is certain.
    local pre = mend.allowed("reboot")
    if pre then
      -- What --resume will verify against, written before the reboot can cut this run short.
      -- Without it no reboot: a resume at boot that found no record could reboot again.
      local names = {}
      for i, p in ipairs(set) do names[i] = p.name end
      local recorded, why = sys.expect_reboot(names)
      if not recorded then
        for _, p in ipairs(set) do
          ctx:fail(p, "no reboot: the record --resume checks after it could not be written: " .. tostring(why), true)
        end
        return
      end
      register()
    end
    local ok, msg, code = sys.reboot{ reason = string.format("mend: clear %s pending deletion (0x32DF)",
                                                             quote.plural(#set, "IPsec policy", "IPsec policies")) }
    if code ~= "not_permitted" then   -- a refusal is recorded on each policy instead
      ctx:step(nil, { action = "sys.reboot", ok = ok == true, code = code, policies = #set,
                      message = ok and "rebooting" or msg })
    end
    if not ok then
      for _, p in ipairs(set) do
        if code == "not_permitted" then
          ctx:refused(p, "a reboot (nothing else the ladder can do clears it)", msg)
        else
          ctx:fail(p, "the reboot failed: " .. msg, true)
        end
      end
      return
    end
    if not pre and not ctx.immediate_reboot then register() end
    if ctx.immediate_reboot then
      ctx.rebooted = true
    else
      ctx.reboot_initiated = true
      for _, p in ipairs(set) do p.awaiting_reboot = true end
    end
    for _, p in ipairs(set) do p.hold = true end   -- verified by the driver after the reboot
  end,
}
