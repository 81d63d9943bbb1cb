-- The fix ladder for 0x32DF as data (the rungs) and the set-based driver that climbs it.
--
-- A rung is a table:
--   name        what the report calls it ("fixed by rung X")
--   tells       one sentence for the admin: what it does and why
--   gate        the capability it needs ("kill", "registry", "reboot", "nic") or nil
--   applies     function(ctx, p) -> true when the rung is worth trying on policy p
--   act         function(ctx, set): the disruptive action, ONCE for every policy it applies to
--   each        function(ctx, p): per-policy work instead of act + retry (identify, delete)
--   done        function(ctx, set): optional, after the rung's policies were handled
--   last_resort true for the reboot: climbed only when no other rung can act any more
-- After `act`, the driver retries the delete on each policy of the set (unless the rung held
-- it back, e.g. because its gate said no) and verifies with ipsec.get; a policy that is gone
-- is `fixed` with that rung's name.
--
-- Custom ladders reuse the driver with their own list:
--   local ladder = require "lib.ladder"
--   local r = ladder.rungs_by_name()
--   ladder.run({ r.identify, r.handle_check, r.delete, r.restart }, { names = mend.args })
local handle_check = require "handle_check"
local offload = require "offload"

local M = {}

M.AGENT = "PolicyAgent"
local CAP_ORDER = { "kill", "registry", "reboot", "nic" }
local MANY = 10   -- above this many policies, advice is grouped instead of one line each

local function plural(n, one, many)
  return string.format("%d %s", n, n == 1 and one or (many or one .. "s"))
end

-- ---- command lines in advice -------------------------------------------------------------

-- Quotes a policy name so the admin can paste the command: CommandLineToArgvW rules on
-- Windows, POSIX shell rules on the simulator (single quotes when double quotes would expand).
function M.quote(s)
  s = tostring(s)
  if mend.host == "local" then
    local out = s:gsub('(\\*)"', function(bs) return bs .. bs .. '\\"' end)
    out = out:gsub("(\\+)$", "%1%1")
    return '"' .. out .. '"'
  end
  if s:find("[\"\\$`!]") then
    return "'" .. s:gsub("'", "'\\''") .. "'"
  end
  return '"' .. s .. '"'
end

-- cmd.exe expands %VAR% (and !VAR! under delayed expansion) even inside double quotes, and a
-- quote inside a name ends the quoted span, after which & | < > ^ act as operators: on Windows
-- such a name cannot be pasted into a command safely, whatever the quoting.
function M.cmd_safe(s)
  return mend.host ~= "local" or not tostring(s):find('[%%!"%c]')
end

M.LIST_FILE = "policies.txt"
local LIST_NOTE = " (" .. M.LIST_FILE .. ": the policy names, one per line; a name holding \", %% or ! "
  .. "cannot be typed into cmd.exe safely)"

local function all_cmd_safe(names)
  for _, n in ipairs(names or {}) do
    if not M.cmd_safe(n) then return false end
  end
  return true
end

-- "--stop-holder X" for the holders a rerun may stop: those this run was given plus `extra`
-- (a set of process names), sorted so the advice reads the same every time.
local function stop_holder_args(extra)
  local set, list = {}, {}
  local function add(n)
    local k = n:lower()
    if not set[k] then set[k] = true; list[#list + 1] = n end
  end
  for _, given in ipairs(mend.stop_holders or {}) do
    for one in tostring(given):gmatch("[^,]+") do add(one) end
  end
  local more = {}
  for n in pairs(extra or {}) do more[#more + 1] = n end
  table.sort(more)
  for _, n in ipairs(more) do add(n) end
  local out = {}
  for _, n in ipairs(list) do out[#out + 1] = "--stop-holder " .. M.quote(n) end
  return out
end

-- "mend fix "A" "B" --allow kill,nic": the caps needed plus those this run already had, so
-- the rerun can also do what this one did (a holder that autostarts comes back at boot);
-- `holders` (a set of process names) adds --stop-holder for holders mend stops only when told.
function M.command(names, caps, holders)
  local want = {}
  for _, c in ipairs(CAP_ORDER) do
    if mend.allowed(c) then want[c] = true end
  end
  for c in pairs(caps or {}) do want[c] = true end
  local list = {}
  for _, c in ipairs(CAP_ORDER) do
    if want[c] then list[#list + 1] = c end
  end
  local allow = #list > 0 and ("--allow " .. table.concat(list, ",")) or nil
  if not all_cmd_safe(names) then
    local held = table.concat(stop_holder_args(holders), " ")
    return "mend batch " .. M.LIST_FILE .. (allow and (" " .. allow) or "") .. (held ~= "" and (" " .. held) or "")
      .. string.format(LIST_NOTE)
  end
  local parts = { "mend fix" }
  local dashed = false
  for _, n in ipairs(names or {}) do dashed = dashed or n:sub(1, 1) == "-" end
  if not names then
    parts[#parts + 1] = "--all-pending"
  elseif dashed then
    -- A name that starts with "-" would read as an option: options first, then "--".
    parts[#parts + 1] = allow
    allow = nil
    parts[#parts + 1] = "--"
  end
  for _, n in ipairs(names or {}) do parts[#parts + 1] = M.quote(n) end
  parts[#parts + 1] = allow
  for _, a in ipairs(stop_holder_args(holders)) do parts[#parts + 1] = a end
  return table.concat(parts, " ")
end

-- ---- the run context: policy records, steps, outcomes ------------------------------------

local Ctx = {}
Ctx.__index = Ctx

local function new_record(name)
  return { name = name, kind = "candidate", tried = {}, needs = {}, need_order = {}, errors = {} }
end

function M.new(opts)
  opts = opts or {}
  local ctx = setmetatable({
    opts = opts, resume = opts.resume == true, policies = {}, by_name = {}, notes = {},
    restarts = 0, rebooted = false, reboot_initiated = false,
    immediate_reboot = opts.immediate_reboot,
  }, Ctx)
  if ctx.immediate_reboot == nil then ctx.immediate_reboot = mend.host == "sim" end
  for _, name in ipairs(opts.names or {}) do
    if not ctx.by_name[name] then
      local p = new_record(name)
      ctx.by_name[name] = p
      ctx.policies[#ctx.policies + 1] = p
    end
  end
  return ctx
end

-- Policies not settled yet (still pending deletion as far as the ladder knows).
function Ctx:stuck()
  local out = {}
  for _, p in ipairs(self.policies) do
    if not p.outcome then out[#out + 1] = p end
  end
  return out
end

function Ctx:progress()
  if not self.opts.progress then return end
  local done = 0
  for _, p in ipairs(self.policies) do
    if p.outcome then done = done + 1 end
  end
  mend.progress(done, #self.policies)
end

-- A step of this rung, for one policy (p) or for the run (p = nil).
function Ctx:step(p, fields)
  fields.policy = p and p.name or nil
  fields.rung = fields.rung or (self.rung and self.rung.name) or "ladder"
  mend.step(fields)
end

function Ctx:settle(p, outcome, after, rung)
  p.outcome, p.after, p.rung = outcome, after, rung
  mend.outcome(p.name, { before = p.before, after = after, outcome = outcome, rung = rung })
end

function Ctx:fixed(p)
  self:settle(p, "fixed", "absent", self.rung and self.rung.name or "delete")
end

-- A gated action this policy needs but was not allowed; `what` says it for the admin.
local GATED_ACTION = { kill = "proc.kill", nic = "nic.set_ipsec_offload", registry = "ipsec.remove_from_store",
                       reboot = "sys.reboot" }

function Ctx:need(p, cap, what, msg)
  if not p.needs[cap] then p.need_order[#p.need_order + 1] = cap end
  -- The report's rung for a policy that ends blocked: the first rung that was held back.
  if cap ~= "reboot" then p.blocked_rung = p.blocked_rung or (self.rung and self.rung.name) end
  p.needs[cap] = what
  p.hold = true
  self:step(p, { action = GATED_ACTION[cap] or "gate", ok = false, code = "not_permitted", gate = cap,
                 message = msg or (what .. " is not allowed") })
end

-- An error no rung of this pass can get past; fatal ones also keep the reboot away.
function Ctx:fail(p, msg, fatal)
  p.errors[#p.errors + 1] = msg
  p.hold = true
  if fatal then p.fatal = true end
end

function Ctx:note(text)
  if not self.notes[text] then
    self.notes[text] = true
    self.notes[#self.notes + 1] = text
  end
end

function Ctx:blocked_by_gate(p)
  for _, c in ipairs(p.need_order) do
    if c ~= "reboot" then return true end
  end
  return false
end

-- The policy as ipsec.get sees it now, or nil when it is gone; error text on other failures.
function Ctx:get(p)
  local cur, msg, code = ipsec.get(p.name)
  if cur then
    p.state = cur.state
    return cur
  end
  if code == "not_found" then p.state = "absent" end
  return nil, msg, code
end

-- Force-delete and verify. Sets p.kind to what the ladder goes on:
--   gone | accepted (delete said yes, policy still listed) | stale (0x2 while still listed)
--   | in_use | io | denied | other
function Ctx:delete(p, why)
  local ok, msg, code = ipsec.delete(p.name)
  local cur, gmsg, gcode = self:get(p)
  local kind
  if not cur and gcode == "not_found" then
    kind = "gone"
  elseif not cur then
    kind, msg, code = "other", gmsg, gcode
  elseif ok then
    kind = "accepted"
  elseif code == "not_found" then
    kind = "stale"
    p.said_missing = true
  elseif code == "in_use" or code == "io" then
    kind = code
  elseif code == "access_denied" then
    kind = "denied"
  else
    kind = "other"
  end
  p.kind, p.last_msg, p.last_code = kind, msg, code
  local message
  if kind == "gone" then
    message = why and ("deleted " .. why) or "deleted"
  elseif kind == "accepted" then
    message = "accepted, but the policy is still listed as pending deletion"
  elseif kind == "stale" then
    message = msg .. " - yet the policy is still listed: it is gone from the store but not from "
              .. "the Policy Agent's memory"
  else
    message = msg
  end
  self:step(p, { action = "ipsec.delete", ok = ok == true, message = message,
                 code = (not ok) and code or nil, after = p.state })
  if kind == "gone" then
    self:fixed(p)
  elseif kind == "denied" then
    self:fail(p, msg .. " Run mend from an elevated prompt (Run as administrator).", true)
  end
  return kind
end

-- After a rung's action: gone already? Otherwise delete again.
function Ctx:retry(p)
  local cur, msg, code = self:get(p)
  if not cur and code == "not_found" then
    self:step(p, { action = "ipsec.get", ok = true, message = "gone", after = "absent" })
    self:fixed(p)
    return "gone"
  end
  if not cur then
    self:fail(p, msg)
    return "other"
  end
  if p.gpo then
    -- Group Policy's copy is out of the local store's reach: nothing further here can remove it.
    self:step(p, { action = "ipsec.get", ok = false, after = cur.state,
                   message = "still cached from GPO '" .. p.gpo .. "' after the refresh" })
    self:fail(p, M.gpo_advice(p.name, cur), true)
    return "other"
  end
  return self:delete(p, "after " .. self.rung.name)
end

-- The command that starts a service again, for advice: sc.exe on Windows, mend on the simulator.
function M.start_command(name)
  if mend.host == "local" then
    return string.format("sc start %s (PowerShell: Start-Service -Name %s)", M.quote(name), M.quote(name))
  end
  return string.format("mend run --allow service scripts/examples/start_service.lua %s", M.quote(name))
end

-- The dependents a restart stopped: one step each for those back, advice for those down.
function Ctx:dependents_back(deps)
  for _, name in ipairs(deps and deps.started or {}) do
    self:step(nil, { action = "svc.start", target = name, ok = true,
                     message = string.format("%s (depends on %s) is running again", name, M.AGENT) })
  end
  for _, d in ipairs(deps and deps.down or {}) do
    self:step(nil, { action = "svc.start", target = d.name, ok = false, code = d.code,
                     message = string.format("%s (depends on %s) did not start again: %s", d.name, M.AGENT, d.message) })
    self:note(string.format("%s depends on %s and did not start again after mend restarted %s (%s): "
      .. "the run is partial until it runs. Start it: %s", d.name, M.AGENT, M.AGENT, d.message,
      M.start_command(d.name)))
  end
end

-- One PolicyAgent restart for the whole set: it rebuilds its table from the store. The services
-- that depend on it are stopped first and started again by svc.restart (SCM does neither).
function Ctx:restart_agent(set, why)
  local ok, msg, code, deps = svc.restart(M.AGENT)
  if ok then deps = msg end
  local back = deps and #deps.stopped or 0
  self:step(nil, { action = "svc.restart", target = M.AGENT, ok = ok == true, code = code,
                   policies = #set, message = ok and ("restarted " .. why
                     .. (back > 0 and " (and " .. plural(back, "service that depends", "services that depend") .. " on it)" or ""))
                     or msg })
  self:dependents_back(deps)
  if ok then
    self.restarts = self.restarts + 1
    return true
  end
  for _, p in ipairs(set) do
    self:fail(p, string.format("%s did not restart: %s", M.AGENT, msg))
  end
  if code == "timeout" then
    -- Never advise ending its svchost.exe: it hosts other Windows services too.
    self:note(string.format("%s did not stop in time. Wait a few minutes (it may still be finishing) and run "
      .. "mend again; if it stays stopping, reboot when convenient: %s", M.AGENT,
      M.command(nil, { reboot = true })))
  end
  return false
end

-- ---- GPO-delivered policies ---------------------------------------------------------------

M.GPUPDATE = "gpupdate /target:computer /force"

-- What the admin does about a stuck policy a GPO delivers (cur: what ipsec.get returned). The
-- local store cannot remove Group Policy's cached copy: the GPO must stop assigning it.
function M.gpo_advice(name, cur)
  if cur.gpo_assigned == false then
    return string.format("%s is a stale copy in Group Policy's cache (GPO: %s): no GPO assigns it any more, "
      .. "and one refresh of computer policy clears it (mend fix %s runs %s)", name, cur.gpo,
      M.quote(name), M.GPUPDATE)
  end
  return string.format("%s comes from Group Policy: the GPO '%s' assigns it, so no local delete can remove it. "
    .. "In Group Policy Management, unlink that GPO from this computer's OU or unassign its IPsec policy, "
    .. "then run: %s", name, cur.gpo, M.GPUPDATE)
end

-- ---- the rungs ---------------------------------------------------------------------------

local R = {}

R.identify = {
  name = "identify",
  tells = "Find the policies pending deletion (netsh ipsec static show policy all); "
       .. "active ones are left alone.",
  applies = function(_, p) return p.kind == "candidate" end,
  each = function(ctx, p)
    local cur, msg, code = ipsec.get(p.name)
    local rec = ctx.resume_record
    local was_stuck = rec and (rec.all or rec.stuck[p.name])
    if not cur and code == "not_found" and ctx.resume and was_stuck then
      -- The run that asked for the reboot saw it stuck (mend's record says so, not the flag).
      p.before = "pending_deletion"
      if rec.rebooted then
        ctx:step(p, { action = "ipsec.get", ok = true, message = "gone after the reboot", after = "absent" })
        ctx:settle(p, "fixed", "absent", "reboot")
      else
        ctx:step(p, { action = "ipsec.get", ok = true, after = "absent",
                      message = "gone, though no reboot has happened since the run that asked for one" })
        ctx:settle(p, "fixed", "absent", "resume")
      end
    elseif not cur and code == "not_found" and (mend.deleted_before or {})[p.name] then
      -- An interrupted run was deleting it (its journal says so), so it was stuck then: gone
      -- now, it is fixed, as that run would have said.
      p.before = "pending_deletion"
      ctx:step(p, { action = "ipsec.get", ok = true, after = "absent",
                    message = "gone: an earlier run that was interrupted was deleting it (journal)" })
      ctx:settle(p, "fixed", "absent", "resume")
    elseif not cur and code == "not_found" then
      do
        p.before = "absent"
        ctx:step(p, { action = "ipsec.get", ok = false, code = code, message = "no policy has this name" })
        ctx:settle(p, "not_found", "absent", nil)
      end
    elseif not cur then
      p.before = "unknown"
      ctx:step(p, { action = "ipsec.get", ok = false, code = code, message = msg })
      ctx:fail(p, msg, true)
      p.kind = "unreadable"
    elseif cur.source == "gpo" and cur.state ~= "active" then
      -- Never the local store or the registry rung: the GPO (or a refresh, if it let go) decides.
      p.before, p.state, p.gpo = cur.state, cur.state, cur.gpo
      if cur.gpo_assigned == false then
        p.kind = "gpo_stale"
        ctx:step(p, { action = "ipsec.get", ok = true, after = cur.state,
                      message = string.format("cached from GPO '%s', which no longer assigns it: a group-policy "
                                              .. "refresh clears it", cur.gpo) })
      else
        p.kind = "gpo_assigned"
        ctx:step(p, { action = "ipsec.get", ok = false, after = cur.state, code = "not_permitted",
                      message = string.format("delivered by GPO '%s', which still assigns it: not deleted "
                                              .. "locally", cur.gpo) })
        ctx:settle(p, "blocked", cur.state, "identify")
        mend.advise(M.gpo_advice(p.name, cur))
      end
    elseif cur.state == "unknown" then
      -- The host cannot tell (Windows: the static store keeps no pending mark). Only named
      -- policies get here (pending_names leaves these out): the admin saw 0x32DF for it.
      p.before, p.state, p.kind = "unknown", "unknown", "pending"
      ctx:step(p, { action = "ipsec.get", ok = true, after = "unknown",
                    message = "state unknown (" .. (cur.state_reason or "the host cannot tell")
                              .. "): trying the ladder because the policy was named" })
    elseif cur.state ~= "pending_deletion" then
      p.before = cur.state
      ctx:step(p, { action = "ipsec.get", ok = true, message = "not pending deletion: left alone", after = cur.state })
      ctx:settle(p, "healthy", cur.state, nil)
    else
      -- Said once for all of them (done, below): `before` already records it per policy.
      p.before, p.state, p.kind = "pending_deletion", cur.state, "pending"
    end
  end,
  done = function(ctx, set)
    local stuck = {}
    for _, p in ipairs(set) do
      if p.kind == "pending" and p.before == "pending_deletion" then stuck[#stuck + 1] = p.name end
    end
    if #stuck > 0 then
      ctx:step(nil, { action = "ipsec.get", ok = true, policies = #stuck,
                      message = string.format("%s pending deletion (0x32DF): %s%s", plural(#stuck, "policy", "policies"),
                        table.concat(stuck, ", ", 1, math.min(#stuck, MANY)), #stuck > MANY and ", ..." or "") })
    end
  end,
}

R.delete = {
  name = "delete",
  tells = "Force-delete the policy (netsh ipsec static delete policy), which skips the graceful "
       .. "pending-deletion path, and verify it is gone.",
  applies = function(_, p) return p.kind == "pending" end,
  each = function(ctx, p) ctx:delete(p) end,
}

R.gpupdate = {
  name = "gpupdate",
  tells = "Refresh computer policy once (gpupdate /target:computer /force /wait:N, N under mend's "
       .. "own --timeout) for the policies whose delete was accepted but which group policy's cache "
       .. "keeps listing.",
  applies = function(_, p) return p.kind == "accepted" or p.kind == "gpo_stale" end,
  act = function(ctx, set)
    -- IPsec policy is computer policy: refreshing user policy too could ask for a logoff.
    local ok, args_or_msg, code = sys.gpupdate{ force = true }
    ctx:step(nil, { action = "sys.gpupdate", target = ok and args_or_msg or "/target:computer /force", ok = ok == true,
                    code = code, policies = #set,
                    message = ok and ("refreshed computer policy for " .. plural(#set, "policy", "policies"))
                              or args_or_msg })
    if not ok then
      for _, p in ipairs(set) do ctx:fail(p, "gpupdate /target:computer /force failed: " .. args_or_msg) end
    end
  end,
}

R.restart = {
  name = "restart",
  tells = "Restart the Policy Agent once for the policies whose delete said \"The system cannot "
       .. "find the file specified\" (0x2): gone from the store, stuck in its memory.",
  applies = function(_, p) return p.kind == "stale" end,
  act = function(ctx, set)
    ctx:restart_agent(set, "for " .. plural(#set, "policy", "policies") .. " only in its memory")
  end,
}

-- Non-system holders of a policy's store key (cached per pass on the record); p.unseen keeps
-- the processes the scan could not look inside, for the advice.
local function blocking_holders(ctx, p)
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

R.handle_check = {
  name = "handle_check",
  gate = "kill",
  tells = "Find processes holding the policy open (the handle check): lsass.exe, svchost.exe and "
       .. "Windows' critical processes are normal and never stopped; a known IPsec/VPN client is "
       .. "stopped, once however many policies it holds, then the delete is retried. Any other "
       .. "holder is only reported (Windows deletes a key while handles are open), with the "
       .. "command that allows stopping it.",
  applies = function(ctx, p)
    if p.kind ~= "in_use" then return false end
    return #blocking_holders(ctx, p) > 0
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
                        code = "not_permitted", gate = "kill",
                        message = "not stopped: not a known IPsec/VPN client, and Windows deletes a key "
                               .. "while handles are open; --stop-holder " .. h.process .. " allows it" })
        for _, p in ipairs(held) do
          p.stop_holders = p.stop_holders or {}
          p.stop_holders[h.process] = true
          ctx:need(p, "kill", "stopping " .. who .. ", which holds it open (if you know it keeps the policy "
                   .. "in use: mend stops only known IPsec/VPN clients unless told)", "not stopped: " .. who
                   .. " is not a known IPsec/VPN client")
        end
      else
        local ok, msg, code = proc.kill(pid)
        if ok then
          ctx:step(nil, { action = "proc.kill", target = who, ok = true, pid = pid, process = h.process,
                          policies = #held, message = "stopped " .. who })
        elseif code == "not_permitted" and not msg:find("critical", 1, true) then
          for _, p in ipairs(held) do
            ctx:need(p, "kill", "stopping " .. who .. ", which holds it open", msg)
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

R.unassign = {
  name = "unassign",
  tells = "Unassign the policy (netsh ipsec static set policy assign=n): the pending-deletion "
       .. "flag sometimes clears only when no network uses it; then delete it.",
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
          .. "assign it (netsh ipsec static set policy name=%s assign=y).", p.name, M.quote(p.name), M.quote(p.name)))
      else
        ctx:fail(p, "could not unassign it: " .. msg, code == "access_denied")
      end
    end
  end,
}

-- The adapters offloading IPsec, read once per rung.
local function offloading(ctx)
  if ctx.nics == nil then
    local list, msg = offload.offloading()
    ctx.nics = list or false
    ctx.nics_error = msg
  end
  return ctx.nics
end

R.offload = {
  name = "offload",
  gate = "nic",
  tells = "For a delete still refused \"in use\" with no holder and no assignment: turn IPsec task "
       .. "offload off on the adapters that have it (their hardware keeps the old SAs) and restart "
       .. "each adapter so the change takes effect (its link drops for a few seconds; the previous "
       .. "values are kept so turning offload on again restores them), then restart the Policy "
       .. "Agent once so it lets go.",
  applies = function(ctx, p)
    if p.kind ~= "in_use" then return false end
    local cur = ctx:get(p)
    if not cur or cur.assigned then return false end
    if #blocking_holders(ctx, p) > 0 then return false end
    local nics = offloading(ctx)
    -- With no adapter offloading now, a restart still helps if offload was turned off
    -- without one (by hand, or by a run that was cut short); after a restart it cannot.
    return nics and (#nics > 0 or ctx.restarts == 0)
  end,
  act = function(ctx, set)
    local nics = offloading(ctx) or {}
    ctx.nics = nil
    local names = {}
    for _, n in ipairs(nics) do names[#names + 1] = n.name end
    if #nics > 0 then
      log.info("%s (%s)", offload.link_drops, table.concat(names, ", "))
      local results = offload.disable(nics)
      for _, st in ipairs(offload.steps(results, false)) do ctx:step(nil, st) end
      local refused, failed, waiting = {}, {}, {}
      for _, r in ipairs(results) do
        if r.code == "not_permitted" then
          refused[#refused + 1] = r
        elseif r.changed and not r.restarted then
          waiting[#waiting + 1] = r
        elseif not r.ok then
          failed[#failed + 1] = r
        end
      end
      if #refused > 0 then
        for _, p in ipairs(set) do
          ctx:need(p, "nic", "turning IPsec task offload off on " .. table.concat(names, ", ")
                   .. " (each adapter restarts: its link drops for a few seconds)", refused[1].message)
        end
        ctx:note(offload.why)
        return
      end
      for _, r in ipairs(waiting) do ctx:note(offload.restart_advice(r.name)) end
      if #failed > 0 or #waiting > 0 then
        local r = failed[1] or waiting[1]
        for _, p in ipairs(set) do
          ctx:fail(p, string.format("could not turn IPsec task offload off on %s: %s", r.name, r.message))
        end
        return
      end
      ctx:note(string.format("IPsec task offload was turned off on %s, and each adapter restarted so it took "
        .. "effect. Leave it off: the article's prevention tip, since offload is what kept the policy stuck. "
        .. "To turn it on again with the values it had: mend run --allow nic scripts/offload.lua on",
        table.concat(names, ", ")))
      ctx:restart_agent(set, "with IPsec task offload off")
    else
      ctx:restart_agent(set, "so it drops SAs an adapter may still hold")
    end
  end,
}

R.registry = {
  name = "registry",
  gate = "registry",
  tells = "The nuclear option, for a delete that fails with another error (a corrupt store "
       .. "entry): back up every store object the policy owns into one .reg, remove the policy "
       .. "with its ISAKMP object, rules and the filter actions and lists no other policy uses, "
       .. "clear ActivePolicy if it named it, then restart the Policy Agent once so it rebuilds "
       .. "its table.",
  applies = function(_, p) return p.kind == "io" or p.kind == "other" end,
  act = function(ctx, set)
    -- One backup per policy: each restores its own graph, and one refused or failed removal
    -- leaves the others' backups exact.
    local removed, backups = {}, {}
    for _, p in ipairs(set) do
      local ok, backup, info = ipsec.remove_from_store(p.name)
      if ok then
        ctx:step(p, { action = "ipsec.remove_from_store", target = p.name, ok = true, backup = backup,
                      message = string.format("removed %s from the store%s; backup %s",
                                              plural(#info.removed, "object", "objects"),
                                              #info.updated > 0 and (", " .. #info.updated
                                                .. " shared kept without it") or "",
                                              tostring(backup)) })
        removed[#removed + 1] = p
        backups[#backups + 1] = { p = p, file = backup }
      elseif info == "not_permitted" then
        ctx:need(p, "registry", "removing its objects from the policy store (a .reg backup is written first)", backup)
      else
        ctx:step(p, { action = "ipsec.remove_from_store", target = p.name, ok = false, code = info, message = backup })
        ctx:fail(p, "could not remove it from the store: " .. tostring(backup),
                 info == "access_denied" or info == "invalid")
      end
    end
    if #backups > 0 and #backups <= MANY then
      for _, b in ipairs(backups) do
        ctx:note(string.format("%s: its store objects were removed; the backup %s restores them (reg import).",
                               b.p.name, tostring(b.file)))
      end
    elseif #backups > MANY then
      ctx:note(string.format("%d policies were removed from the store; each has a .reg backup in mend's backups folder.", #backups))
    end
    if #removed > 0 then
      ctx:restart_agent(removed, "after removing " .. plural(#removed, "policy", "policies") .. " from the store")
    end
  end,
}

-- Room for policy names on the resume's command line, well under CreateProcess's 32,767
-- characters once quoting and the executable's path are added.
local RESUME_NAMES_MAX = 8000

-- The resumed run removes its boot task first, so the task runs once; on the simulator the
-- run that rebooted goes on in place of the resumed one and removes it after the boot.
function M.clear_resume(ctx)
  local ok, found_or_msg, code = sys.clear_resume()
  if ok and not found_or_msg then return true end
  ctx:step(nil, { action = "sys.clear_resume", target = "\\mend\\resume", ok = ok == true, code = code,
                  message = ok and "removed the scheduled task that resumed this fix" or found_or_msg })
  if not ok then
    ctx:note(string.format("The scheduled task \\mend\\resume could not be removed (%s): it would run "
      .. "mend fix --resume at every boot. Remove it: schtasks /Delete /TN \\mend\\resume /F", found_or_msg))
  end
  return ok
end

R.reboot = {
  name = "reboot",
  gate = "reboot",
  last_resort = true,
  tells = "Last resort: reboot once (the IPsec driver resets its table at boot), with "
       .. "`mend fix --resume` registered as a one-shot scheduled task at startup (as SYSTEM, no "
       .. "logon needed) to verify and finish after boot.",
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
    for _, c in ipairs(CAP_ORDER) do
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
                                                             plural(#set, "IPsec policy", "IPsec policies")) }
    if code ~= "not_permitted" then   -- a refusal is recorded on each policy instead
      ctx:step(nil, { action = "sys.reboot", ok = ok == true, code = code, policies = #set,
                      message = ok and "rebooting" or msg })
    end
    if not ok then
      for _, p in ipairs(set) do
        if code == "not_permitted" then
          ctx:need(p, "reboot", "a reboot (nothing else the ladder can do clears it)", msg)
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

M.rungs = { R.identify, R.delete, R.gpupdate, R.restart, R.handle_check, R.unassign, R.offload,
            R.registry, R.reboot }

-- The standard rungs by name, for custom ladders: ladder.rungs_by_name().handle_check
function M.rungs_by_name()
  local out = {}
  for k, v in pairs(R) do out[k] = v end
  return out
end

-- ---- the driver --------------------------------------------------------------------------

-- Climbs one rung for every stuck policy it applies to (and has not been tried on); returns
-- whether it did anything.
function Ctx:climb(rung)
  local set = {}
  self.nics = nil   -- cached adapter list: fresh for each rung
  self.held = nil   -- and the handle index
  for _, p in ipairs(self:stuck()) do
    if not p.tried[rung.name] and (rung.applies == nil or rung.applies(self, p)) then
      set[#set + 1] = p
    end
  end
  if #set == 0 then return false end
  self.rung = rung
  for _, p in ipairs(set) do
    p.tried[rung.name] = true
    p.hold = nil
  end
  if rung.each then
    for i, p in ipairs(set) do
      rung.each(self, p)
      if i % 500 == 0 then self:progress() end
    end
  else
    if rung.act then rung.act(self, set) end
    self.held = nil   -- the act may have stopped a holder
    for i, p in ipairs(set) do
      if not p.hold and not p.outcome then self:retry(p) end
      p.hold = nil
      if i % 500 == 0 then self:progress() end
    end
  end
  if rung.done then rung.done(self, set) end
  self:progress()
  return true
end

-- Every ordinary rung, again and again while one still acts: a rung acts once per pass for
-- all its policies, and a second pass only happens when an alternative uncovered a blocker an
-- earlier rung handles (say a VPN client that also hid a group-policy cache).
function Ctx:climb_all(rungs)
  local acted = true
  while acted do
    acted = false
    for _, r in ipairs(rungs) do
      if not r.last_resort and #self:stuck() > 0 then
        acted = self:climb(r) or acted
      end
    end
  end
end

-- After a reboot that happened at once (the simulator): verify, then climb again without it.
function Ctx:after_reboot(rungs)
  self.rung = { name = "reboot" }
  M.clear_resume(self)
  sys.expect_reboot({})        -- the reboot happened in this run: nothing is left to verify
  self.resume_record = nil
  for _, p in ipairs(self:stuck()) do
    local cur, msg, code = self:get(p)
    if not cur and code == "not_found" then
      self:step(p, { action = "ipsec.get", ok = true, message = "gone after the reboot", after = "absent" })
      self:fixed(p)
    elseif not cur then
      self:fail(p, msg, true)
    else
      self:step(p, { action = "ipsec.get", ok = true, after = cur.state,
                     message = "still pending deletion after the reboot" })
      p.kind, p.tried, p.needs, p.need_order, p.errors, p.fatal = "pending", {}, {}, {}, {}, nil
      p.tried.identify = true
    end
  end
  self:progress()
  self:climb_all(rungs)
end

-- What --resume verifies against: mend's own record of the run that asked for the reboot (which
-- policies it left stuck, in which boot). Without one, the names are checked as in a plain run.
function Ctx:read_resume_record()
  local rec = sys.resume_record()
  if not rec then
    self:note("--resume: no earlier run on this machine asked for a reboot, so nothing is called fixed by one; "
      .. "the names were checked as in a plain run.")
    return
  end
  rec.stuck = {}
  for _, n in ipairs(rec.names) do rec.stuck[n] = true end
  if not rec.rebooted then
    self:note("--resume: Windows has not restarted since the run that asked for a reboot; policies still stuck "
      .. "still need it.")
  else
    sys.expect_reboot({})   -- the reboot happened: the record is spent
  end
  self.resume_record = rec
end

function Ctx:run(rungs)
  if self.resume then
    self:read_resume_record()
    M.clear_resume(self)
  end
  self:climb_all(rungs)
  -- A resume never reboots again (no reboot loops), unless the reboot it was to follow never
  -- happened, or was never recorded (a run cut short before it): then it finishes as the
  -- uninterrupted run would.
  local rec = self.resume_record
  if not self.resume or not rec or not rec.rebooted then
    for _, r in ipairs(rungs) do
      if r.last_resort and #self:stuck() > 0 and not self.rebooted then
        self:climb(r)
        if self.rebooted then self:after_reboot(rungs) end
      end
    end
  end
  self:finish()
  return self
end

-- ---- outcomes and advice -----------------------------------------------------------------

function Ctx:finish()
  local blocked, reboot, failed = {}, {}, {}
  for _, p in ipairs(self:stuck()) do
    local after = p.state or "pending_deletion"
    if self:blocked_by_gate(p) then
      self:settle(p, "blocked", after, p.blocked_rung)
      blocked[#blocked + 1] = p
    elseif p.needs.reboot or p.awaiting_reboot
        or (self.resume_record and not self.resume_record.rebooted and self.resume_record.stuck[p.name]) then
      self:settle(p, "reboot_required", after, "reboot")
      reboot[#reboot + 1] = p
    else
      self:settle(p, "failed", after, nil)
      failed[#failed + 1] = p
    end
  end
  if #reboot > 0 then
    -- For the --resume after the reboot: which policies this run left stuck, in this boot.
    local names = {}
    for i, p in ipairs(reboot) do names[i] = p.name end
    local ok, msg = sys.expect_reboot(names)
    if not ok then self:note("The record --resume checks could not be written: " .. tostring(msg)) end
  end
  self:advise_blocked(blocked)
  self:advise_reboot(reboot)
  self:advise_failed(failed)
  self:advise_unseen()
  for _, text in ipairs(self.notes) do mend.advise(text) end
  self:progress()
end

local function needed_caps(p, with_reboot)
  local caps, whats = {}, {}
  for _, c in ipairs(p.need_order) do
    if with_reboot or c ~= "reboot" then
      caps[c] = true
      whats[#whats + 1] = p.needs[c]
    end
  end
  return caps, whats
end

function Ctx:advise_blocked(list)
  if #list <= MANY then
    local all_caps, all_names = {}, {}
    local all_holders = {}
    for _, p in ipairs(list) do
      local caps, whats = needed_caps(p, false)
      mend.advise(string.format("%s is blocked: it needs %s, which was not allowed. To allow it: %s",
                                p.name, table.concat(whats, "; and "), M.command({ p.name }, caps, p.stop_holders)))
      for c in pairs(caps) do all_caps[c] = true end
      for n in pairs(p.stop_holders or {}) do all_holders[n] = true end
      all_names[#all_names + 1] = p.name
    end
    if #list > 1 then
      mend.advise("All of them at once: " .. M.command(all_names, all_caps, all_holders))
    end
    return
  end
  local groups, order = {}, {}
  for _, p in ipairs(list) do
    local caps = needed_caps(p, false)
    local key = {}
    for _, c in ipairs(CAP_ORDER) do if caps[c] then key[#key + 1] = c end end
    key = table.concat(key, ",")
    if not groups[key] then
      groups[key] = { caps = caps, names = {}, holders = {} }
      order[#order + 1] = key
    end
    table.insert(groups[key].names, p.name)
    for n in pairs(p.stop_holders or {}) do groups[key].holders[n] = true end
  end
  for _, key in ipairs(order) do
    local g = groups[key]
    mend.advise(string.format("%s are blocked: they need --allow %s, which was not given (first: %s). "
      .. "To allow it for every policy pending deletion: %s", plural(#g.names, "policy", "policies"), key,
      table.concat(g.names, ", ", 1, math.min(3, #g.names)), M.command(nil, g.caps, g.holders)))
  end
end

function Ctx:advise_reboot(list)
  if #list == 0 then return end
  local names = {}
  for _, p in ipairs(list) do names[#names + 1] = p.name end
  local shown = #names <= MANY and names or nil
  local quoted = {}
  for i, n in ipairs(shown or {}) do quoted[i] = M.quote(n) end
  local resume = "mend fix --resume " .. (shown and table.concat(quoted, " ") or "--all-pending")
  if not all_cmd_safe(shown) then resume = "mend batch --resume " .. M.LIST_FILE .. string.format(LIST_NOTE) end
  if self.reboot_initiated then
    if self.resume_unregistered then
      mend.advise(string.format("Windows is restarting to clear %s, but the resume could not be registered "
        .. "(%s): after boot, run `%s` yourself to verify and finish.", plural(#names, "policy", "policies"),
        self.resume_unregistered, resume))
    else
      mend.advise(string.format("Windows is restarting to clear %s; after boot `%s` runs by itself "
        .. "(the scheduled task \\mend\\resume, at startup as SYSTEM, no logon needed) to verify and finish.",
        plural(#names, "policy", "policies"), resume))
    end
    -- InitiateSystemShutdownEx without forcing applications closed: a success return does not
    -- mean the restart will happen.
    mend.advise("The restart starts in 30 seconds, but an application with unsaved data in the console "
      .. "session can hold it \"in progress\" until someone answers it: if the machine has not restarted "
      .. "after a few minutes, check the console, or cancel with `shutdown /a` and restart when convenient "
      .. "(the task still resumes at the next boot within 7 days).")
    return
  end
  local subject = shown and table.concat(names, ", ") or plural(#names, "policy", "policies")
  -- Why: what the last rung ran into, when it was one thing; else the driver state.
  local why = "nothing else the ladder can do clears it; the IPsec driver keeps it until boot"
  local last = list[1].errors[#list[1].errors]
  if #list == 1 and last then why = last end
  mend.advise(string.format("%s: only a reboot can clear %s now (%s). To let mend reboot and finish after "
    .. "boot: %s - or reboot when convenient and then run: %s", subject, #names == 1 and "it" or "them", why,
    M.command(shown, { reboot = true }), resume))
end

-- A policy still refused "in use" whose handle scan was partly blind: say where it could not look.
function Ctx:advise_unseen()
  local names, unseen = {}, nil
  for _, p in ipairs(self.policies) do
    if p.outcome ~= "fixed" and p.outcome ~= "healthy" and p.outcome ~= "not_found" and p.kind == "in_use"
       and p.unseen and #p.unseen > 0 then
      names[#names + 1] = p.name
      unseen = unseen or p.unseen
    end
  end
  if not unseen then return end
  mend.advise(string.format("%s still in use: the handle check could not look inside %s (a protected "
    .. "or system process), so a holder may be hidden there. mend never stops those; a VPN or security "
    .. "client running as a protected process has to be stopped from its own console or uninstalled.",
    #names <= MANY and table.concat(names, ", ") or plural(#names, "policy", "policies"),
    handle_check.describe_unseen(unseen, 5)))
end

function Ctx:advise_failed(list)
  for i, p in ipairs(list) do
    if i > MANY then
      mend.advise(string.format("%d more policies could not be fixed; see their steps in the report.", #list - MANY))
      break
    end
    local why = #p.errors > 0 and p.errors[#p.errors] or p.last_msg or "no rung applied"
    local rec = self.resume_record
    local tail = (self.rebooted or (self.resume and rec and rec.rebooted)) and " even after a reboot" or ""
    mend.advise(string.format("%s is still pending deletion%s: %s", p.name, tail, why))
  end
end

-- ---- entry point -------------------------------------------------------------------------

-- Runs the ladder (default: the standard rungs) on opts.names; opts.resume after a reboot;
-- opts.progress draws a progress bar. Returns the context (ctx.policies holds the records).
function M.run(rungs, opts)
  local ctx = M.new(opts)
  return ctx:run(rungs or M.rungs)
end

-- Names of every policy pending deletion, in the store's order. Policies whose state the host
-- cannot tell ("unknown") are never among them: a second list returns those, and the advice
-- names them with the command that would try them (nothing is deleted on a guess).
function M.pending_names()
  local list, msg, code = ipsec.policies()
  if not list then return nil, msg, code end
  local names, unknown, reason = {}, {}, nil
  for _, p in ipairs(list) do
    if p.state == "pending_deletion" then
      names[#names + 1] = p.name
    elseif p.state == "unknown" then
      unknown[#unknown + 1] = p.name
      reason = reason or p.state_reason
    end
  end
  if #unknown > 0 then
    local shown = table.concat(unknown, ", ", 1, math.min(#unknown, MANY)) .. (#unknown > MANY and ", ..." or "")
    mend.advise(string.format("mend cannot tell whether %s (%s) %s pending deletion: %s. Left alone; to try "
      .. "the ladder on the one Windows reported 0x32DF (13023) for, name it: %s",
      plural(#unknown, "policy", "policies"), shown, #unknown == 1 and "is" or "are",
      (reason or "the host cannot tell"):gsub("; if Windows reported.*$", ""),
      M.command({ #unknown == 1 and unknown[1] or "NAME" }, nil)))
  end
  return names, unknown
end

return M
