-- The fix ladder's driver: climbs the checked rungs (scripts/rungs/, in rungs/order.lua's order)
-- set-based for every stuck policy, with the fewest disruptions.
--
-- A rung is a table (the format lib/rung.lua checks; scripts/rungs/*.lua are the standard ones):
--   name        what the report calls it ("fixed by rung X")
--   tells       one sentence for the admin: what it does and why (docs/cli.md's rung table)
--   gate        the capability it needs ("kill", "registry", "reboot", "nic") or nil; a refusal
--               is recorded with ctx:refused(p, what, msg)
--   when        "<kind>": the rung applies to policies of that p.kind (the usual case), or
--   applies     function(ctx, p) -> true when the rung is worth trying on policy p
--   act         function(ctx, set): the disruptive action, ONCE for every policy it applies to
--   each        function(ctx, p): per-policy work instead of act + retry (identify, delete)
--   done        function(ctx, set): optional, after the rung's policies were handled
--   last_resort true for the reboot: climbed only when no other rung can act any more
-- After `act`, the driver retries the delete on each policy of the set (unless the rung held
-- it back, e.g. because its gate said no) and verifies with ipsec.get; a policy that is gone
-- is `fixed` with that rung's name. A rung whose remedy is a PolicyAgent restart or a group-policy
-- refresh calls ctx:want("restart"|"gpupdate", set, why) instead of doing it: the driver does
-- each at most once per run, after every rung that can act first has, and retries then.
--
-- Custom ladders reuse the driver with their own list:
--   local ladder = require "lib.ladder"
--   local r = ladder.rungs_by_name()
--   ladder.run({ r.identify, r.handle_check, r.delete, r.restart, ladder.load("my_rung") }, { names = mend.args })
local quote = require "lib.quote"
local advice = require "lib.advice"
local ctx_mod = require "lib.ctx"
local rung = require "lib.rung"

local Ctx = ctx_mod.Ctx

local M = {}

-- What scripts and custom ladders use from the modules the ladder is made of.
M.AGENT = ctx_mod.AGENT
M.KINDS = ctx_mod.KINDS
M.new = ctx_mod.new
M.quote, M.cmd_safe, M.command, M.start_command = quote.quote, quote.cmd_safe, quote.command, quote.start_command
M.LIST_FILE = quote.LIST_FILE
M.GPUPDATE, M.gpo_advice = advice.GPUPDATE, advice.gpo
M.check, M.load = rung.check, rung.load

-- The standard rungs, in rungs/order.lua's order, each checked as it loads.
local R = {}
M.rungs = {}
for i, name in ipairs(require "rungs.order") do
  local r = rung.load("rungs." .. name)
  if r.name ~= name then
    error(string.format("rungs/order.lua names '%s' but rungs/%s.lua calls itself '%s'", name, name, r.name), 0)
  end
  R[name] = r
  M.rungs[i] = r
end

-- The standard rungs by name, for custom ladders: ladder.rungs_by_name().handle_check
function M.rungs_by_name()
  local out = {}
  for k, v in pairs(R) do out[k] = v end
  return out
end

-- ---- the driver --------------------------------------------------------------------------

-- Climbs one rung for every stuck policy it applies to (and has not been tried on); returns
-- whether it did anything.
function Ctx:climb(r)
  local set, name = {}, r.name
  self.nics = nil   -- cached adapter list: fresh for each rung
  self.held = nil   -- and the handle index
  -- The policies still climbing (not settled, not waiting for a once-per-run action), in
  -- ctx.policies' order: compacted in place, so each rung of each pass walks only those. A
  -- settled policy never opens again; Ctx:do_waiting opens the ones that waited afresh.
  local open, all = self.open, self.policies
  if not open then
    open = {}
    self.open, self.opened = open, 0
  end
  for i = self.opened + 1, #all do open[#open + 1] = all[i] end   -- added since (a custom ladder's)
  self.opened = #all
  local n, when, applies = 0, r.when, r.applies   -- rung.applies, inlined: it runs per policy
  for i = 1, #open do
    local p = open[i]
    if not p.outcome and not p.waiting then
      n = n + 1
      open[n] = p
      if not p.tried[name] then
        if when then
          if p.kind == when then set[#set + 1] = p end
        elseif applies == nil or applies(self, p) then
          set[#set + 1] = p
        end
      end
    end
  end
  for i = #open, n + 1, -1 do open[i] = nil end
  if #set == 0 then return false end
  self.rung = r
  for _, p in ipairs(set) do
    p.tried[name] = true
    p.hold = nil
  end
  -- What a prompt adds to its question: the policies this rung acts for (C says the rest). A
  -- per-policy rung with no gate asks nothing: identify and delete on 20,000 policies skip it.
  if r.each then
    for i, p in ipairs(set) do
      if r.gate then mend.purpose({ policies = { p.name } }) end
      r.each(self, p)
      if i % 500 == 0 then self:progress() end
    end
  else
    local names = {}
    for i, p in ipairs(set) do names[i] = p.name end
    mend.purpose({ policies = names })
    r.act(self, set)
    self.held = nil   -- the act may have stopped a holder
    for i, p in ipairs(set) do
      if not p.hold and not p.outcome and not p.waiting then self:retry(p) end
      p.hold = nil
      if i % 500 == 0 then self:progress() end
    end
  end
  mend.purpose(nil)
  if r.done then r.done(self, set) end
  self:progress()
  return true
end

-- Every ordinary rung, again and again while one still acts: a rung acts once per pass for
-- all its policies, and a second pass only happens when an alternative uncovered a blocker an
-- earlier rung handles (say a VPN client that also hid a group-policy cache). A restart or a
-- gpupdate a rung asked for waits until no rung can act first, then serves all of them at once.
function Ctx:climb_all(rungs)
  repeat
    local acted = true
    while acted do
      acted = false
      for _, r in ipairs(rungs) do
        if not r.last_resort and self:any_stuck() then
          acted = self:climb(r) or acted
        end
      end
    end
  until not self:do_waiting()
end

-- After a reboot that happened at once (the simulator): verify, then climb again without it.
function Ctx:after_reboot(rungs)
  self.rung = { name = "reboot" }
  M.clear_resume(self)
  sys.expect_reboot({})        -- the reboot happened in this run: nothing is left to verify
  self.resume_record = nil
  for _, p in ipairs(self:stuck()) do
    local state, msg, code = self:state(p)
    if not state and code == "not_found" then
      self:step(p, { action = "ipsec.get", ok = true, message = "gone after the reboot", after = "absent" })
      self:fixed(p)
    elseif not state then
      self:fail(p, msg, true)
    else
      self:step(p, { action = "ipsec.get", ok = true, after = state,
                     message = "still pending deletion after the reboot" })
      p.kind, p.tried, p.needs, p.need_order, p.errors, p.fatal = "pending", {}, {}, {}, {}, nil
      p.tried.identify = true
    end
  end
  self:progress()
  self:climb_all(rungs)
end

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
  self:progress()   -- the total, before the first step line
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
      if r.last_resort and self:any_stuck() and not self.rebooted then
        self:climb(r)
        if self.rebooted then self:after_reboot(rungs) end
      end
    end
  end
  self:finish()
  return self
end

-- Settles what is still stuck (blocked, reboot_required or failed) and gives the advice.
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
  advice.blocked(blocked)
  advice.reboot(self, reboot)
  advice.failed(self, failed)
  advice.unseen(self.policies)
  for _, text in ipairs(self.notes) do mend.advise(text) end
  self:progress()
end

-- ---- entry point -------------------------------------------------------------------------

-- Runs the ladder (default: the standard rungs) on opts.names; opts.resume after a reboot;
-- opts.progress draws a progress bar. Every rung is checked first: a malformed one is a
-- script error (exit 2) naming the rung and its fault. Returns the context (ctx.policies).
function M.run(rungs, opts)
  rungs = rungs or M.rungs
  for i, r in ipairs(rungs) do rung.assert(r, "ladder position " .. i) end
  local ctx = M.new(opts)
  return ctx:run(rungs)
end

-- Names of every policy pending deletion, in the store's order. Policies whose state the host
-- cannot tell ("unknown") are never among them: a second list returns those, and the advice
-- names them with the command that would try them (nothing is deleted on a guess).
function M.pending_names()
  -- Names and states only (ipsec.states): a table per policy was most of what listing cost.
  local all, states, code = ipsec.states()
  if not all then return nil, states, code end
  local names, unknown = {}, {}
  for i, state in ipairs(states) do
    if state == "pending_deletion" then
      names[#names + 1] = all[i]
    elseif state == "unknown" then
      unknown[#unknown + 1] = all[i]
    end
  end
  local reason
  if #unknown > 0 then
    -- Why the host cannot tell, as it says it for the first such policy listed.
    for _, p in ipairs(ipsec.policies() or {}) do
      if p.state == "unknown" then reason = reason or p.state_reason end
    end
  end
  advice.unknown_states(unknown, reason)
  -- Both lists are garbage now: collected here, while little else is alive, they cost a sweep;
  -- left to the collector they survive into the ladder's run and raise its peak.
  all, states = nil, nil   -- luacheck: ignore 311
  collectgarbage()
  return names, unknown
end

return M
