-- The ladder's run context (Ctx): what one run knows of each policy, and the calls every rung
-- shares (delete and verify, gate refusals, the once-per-run restart and gpupdate).
local quote = require "lib.quote"
local advice = require "lib.advice"

local plural = quote.plural

local M = {}

M.AGENT = "PolicyAgent"

-- What the ladder knows about a policy (p.kind), the words a rung's `when` may use:
--   candidate (not read yet) | pending (pending deletion) | gone | accepted (delete said yes,
--   policy still listed) | stale (0x2 while still listed) | in_use | io | denied | other
--   | unreadable | gpo_stale | gpo_assigned
M.KINDS = { candidate = true, pending = true, gone = true, accepted = true, stale = true, in_use = true,
            io = true, denied = true, other = true, unreadable = true, gpo_stale = true, gpo_assigned = true }

local Ctx = {}
Ctx.__index = Ctx
M.Ctx = Ctx

-- needs, need_order and errors are made on first use: most policies never need them, and at
-- 100,000 policies three empty tables each are 19 MB the collector keeps walking.
local LAZY = { needs = true, need_order = true, errors = true }
local Record = { __index = function(p, k)
  if LAZY[k] then
    local t = {}
    rawset(p, k, t)
    return t
  end
end }

-- outcome and waiting start as false, not absent: the driver reads both for every open policy
-- and rung, and a missing field calls Record's __index each time.
local function new_record(name)
  return setmetatable({ name = name, kind = "candidate", tried = {}, outcome = false, waiting = false }, Record)
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

-- Whether any policy may still be stuck, from the running count (no list built: the driver
-- asks before every rung). Errs towards yes; climb's own walk decides.
function Ctx:any_stuck()
  return (self.settled or 0) < #self.policies
end

-- A running count of settled policies (Ctx:settle keeps it), not a walk over all of them.
function Ctx:progress()
  if not self.opts.progress then return end
  mend.progress(self.settled or 0, #self.policies)
end

-- A step of this rung, for one policy (p) or for the run (p = nil).
function Ctx:step(p, fields)
  fields.policy = p and p.name or nil
  fields.rung = fields.rung or (self.rung and self.rung.name) or "ladder"
  mend.step(fields)
end

function Ctx:settle(p, outcome, after, rung)
  if not p.outcome then self.settled = (self.settled or 0) + 1 end
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

-- The current rung's gate refused its action for p: the policy waits for that gate, and the
-- advice gives the command that opens it. `what` names the action for the admin.
function Ctx:refused(p, what, msg)
  local gate = self.rung and self.rung.gate
  if not gate then
    error(string.format("rung '%s' was refused a gated action but declares no gate", self.rung and self.rung.name), 0)
  end
  self:need(p, gate, what, msg)
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

-- Only the policy's state now (ipsec.state: no policy table), or nil when it is gone; error
-- text on other failures. The check after every action needs nothing more.
function Ctx:state(p)
  local state, msg, code = ipsec.state(p.name)
  if state then
    p.state = state
    return state
  end
  if code == "not_found" then p.state = "absent" end
  return nil, msg, code
end

-- Force-delete and verify. Sets p.kind to what the ladder goes on (M.KINDS).
function Ctx:delete(p, why)
  local ok, msg, code = ipsec.delete(p.name)
  local state, gmsg, gcode = self:state(p)
  local kind
  if not state and gcode == "not_found" then
    kind = "gone"
  elseif not state then
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
  local state, msg, code = self:state(p)
  if not state and code == "not_found" then
    self:step(p, { action = "ipsec.get", ok = true, message = "gone", after = "absent" })
    self:fixed(p)
    return "gone"
  end
  if not state then
    self:fail(p, msg)
    return "other"
  end
  if p.gpo then
    -- Group Policy's copy is out of the local store's reach: nothing further here can remove it.
    self:step(p, { action = "ipsec.get", ok = false, after = state,
                   message = "still cached from GPO '" .. p.gpo .. "' after the refresh" })
    local whole = self:get(p)
    self:fail(p, advice.gpo(p.name, whole or { gpo = p.gpo }), true)
    return "other"
  end
  return self:delete(p, "after " .. self.rung.name)
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
      quote.start_command(d.name)))
  end
end

-- One PolicyAgent restart, now, for `set`: it rebuilds its table from the store. The services
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
      quote.command(nil, { reboot = true })))
  end
  return false
end

-- One refresh of computer policy, now, for `set`. IPsec policy is computer policy: refreshing
-- user policy too could ask for a logoff.
function Ctx:gpupdate(set)
  local ok, args_or_msg, code = sys.gpupdate{ force = true }
  self:step(nil, { action = "sys.gpupdate", target = ok and args_or_msg or "/target:computer /force", ok = ok == true,
                   code = code, policies = #set,
                   message = ok and ("refreshed computer policy for " .. plural(#set, "policy", "policies"))
                             or args_or_msg })
  if not ok then
    for _, p in ipairs(set) do self:fail(p, "gpupdate /target:computer /force failed: " .. args_or_msg) end
  end
  return ok == true
end

-- The least disruption: the actions a run does at most once, whatever the mix of blockers, in
-- the order the driver does them. The restart comes first because a group-policy cache's copy
-- is the last blocker a delete reveals (it answers success once nothing else holds the policy).
M.ONCE = { "restart", "gpupdate" }
local ONCE = {
  restart = function(ctx, set, whys)
    local why = "for " .. plural(#set, "policy", "policies")
    if #whys == 1 then
      why = why .. " " .. whys[1].why
    else
      local parts = {}
      for i, w in ipairs(whys) do parts[i] = w.n .. " " .. w.why end
      why = "once " .. why .. ": " .. table.concat(parts, ", ")
    end
    return ctx:restart_agent(set, why)
  end,
  gpupdate = function(ctx, set) return ctx:gpupdate(set) end,
}

-- A rung whose remedy is one of M.ONCE asks for it here (`why` says what the policies are, for
-- the step: "only in its memory"). Its policies
-- wait while every rung that can act first does (offload off, store entries removed, holders
-- stopped); then the driver does the action once for all of them (Ctx:do_waiting).
function Ctx:want(action, set, why)
  assert(ONCE[action], "ctx:want: no once-per-run action " .. tostring(action))
  self.wanted = self.wanted or {}
  local w = self.wanted[action] or { set = {}, whys = {}, rung = self.rung }
  local n = 0
  for _, p in ipairs(set) do
    if not p.waiting then
      p.waiting = self.rung
      w.set[#w.set + 1] = p
      n = n + 1
    end
  end
  local found
  for _, have in ipairs(w.whys) do
    if have.why == why then found = have end
  end
  if found then
    found.n = found.n + n
  elseif n > 0 then
    w.whys[#w.whys + 1] = { why = why, n = n }
  end
  self.wanted[action] = w
end

-- The first wanted action, once: then the delete is retried on each policy that waited, fixed by
-- the rung that asked. Returns whether it acted (the driver climbs again, then asks again).
function Ctx:do_waiting()
  for _, action in ipairs(M.ONCE) do
    local w = self.wanted and self.wanted[action]
    if w then
      self.wanted[action] = nil
      self.rung = w.rung
      self.open = nil   -- the policies that waited climb again: the driver's open list anew
      local ok = ONCE[action](self, w.set, w.whys)
      for i, p in ipairs(w.set) do
        self.rung, p.waiting = p.waiting, false
        if ok and not p.outcome then self:retry(p) end
        p.hold = nil
        if i % 500 == 0 then self:progress() end
      end
      self:progress()
      return true
    end
  end
  return false
end

return M
