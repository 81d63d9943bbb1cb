-- Rung handle_check: stops the known IPsec/VPN clients holding policies open.
local holders = require "lib.holders"
local handle_check = require "handle_check"

return {
  name = "handle_check",
  gate = "kill",
  tells = "Finds the processes holding the policy open (the handle check): lsass.exe, svchost.exe and "
       .. "Windows' critical processes are normal and never stopped; a known IPsec/VPN client is stopped, "
       .. "once however many policies it holds, then the delete is retried. Any other holder is only "
       .. "reported (Windows deletes a key while handles are open) and its policy `blocked`, with the "
       .. "command that allows stopping it (`--stop-holder NAME`).",
  applies = function(ctx, p)
    if p.kind ~= "in_use" then return false end
    return #holders.blocking(ctx, p) > 0
  end,
  act = function(ctx, set)
    local procs, order = {}, {}
    for _, p in ipairs(set) do
      for _, h in ipairs(handle_check.blocking(p.holders)) do
        if not procs[h.pid] then
          procs[h.pid] = { holder = h, policies = {} }
          order[#order + 1] = h.pid
        end
        table.insert(procs[h.pid].policies, p)
      end
    end
    for _, pid in ipairs(order) do
      local h, held = procs[pid].holder, procs[pid].policies
      local who = handle_check.describe(h)
      if not h.stop then
        -- Not a known IPsec/VPN client: stopping it is the admin's call, so the policy is
        -- blocked and the advice names the exact flags (kill gate and --stop-holder).
        ctx:step(nil, { action = "proc.kill", target = who, ok = false, pid = pid, process = h.process,
                        code = "not_permitted", gate = ctx.rung.gate,
                        message = "not stopped: not a known IPsec/VPN client, and Windows deletes a key "
                               .. "while handles are open; --stop-holder " .. h.process .. " allows it" })
        for _, p in ipairs(held) do
          p.stop_holders = p.stop_holders or {}
          p.stop_holders[h.process] = true
          ctx:refused(p, "stopping " .. who .. ", which holds it open (if you know it keeps the policy "
                   .. "in use: mend stops only known IPsec/VPN clients unless told)", "not stopped: " .. who
                   .. " is not a known IPsec/VPN client")
        end
      else
        local names = {}
        for i, p in ipairs(held) do names[i] = p.name end
        mend.purpose({ policies = names })   -- the prompt: the policies this holder keeps in use
        local ok, msg, code = proc.kill(pid)
        if ok then
          ctx:step(nil, { action = "proc.kill", target = who, ok = true, pid = pid, process = h.process,
                          policies = #held, message = "stopped " .. who })
        elseif code == "not_permitted" and not msg:find("critical", 1, true) then
          for _, p in ipairs(held) do
            ctx:refused(p, "stopping " .. who .. ", which holds it open", msg)
          end
        else
          ctx:step(nil, { action = "proc.kill", target = who, ok = false, code = code, pid = pid,
                          process = h.process, message = msg })
          for _, p in ipairs(held) do ctx:fail(p, string.format("could not stop %s: %s", who, msg), true) end
        end
      end
    end
  end,
}
