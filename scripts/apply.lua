-- `mend apply PLAN.json`: carries out a plan written by `mend fix ... --plan PLAN.json`, exactly,
-- in order, through the same bindings (gates, journal, backups and counters as usual).
--
-- The engine has already checked the plan's signature (this host's key) before this script runs.
-- Before step 1 every policy the plan names must still be the very one it was made for
-- (`plan.preflight`); before each step the state the plan assumed is read again (`plan.verify`);
-- at the first difference, or when a step ends otherwise than the plan expected, nothing further
-- is done and the run ends with exit code 1. The engine then lists the steps done, the one that
-- stopped and those not run. The `plan` module is provided by the engine for this run.
local modules = { ipsec = ipsec, svc = svc, proc = proc, reg = reg, sys = sys, nic = nic, handles = handles }

local function resolve(call)
  local mod, fn = call:match("^(%w+)%.([%w_]+)$")
  local m = mod and modules[mod]
  return m and m[fn]
end

local function stop(act, i, n, text)
  plan.stop(text)
  log.error("%s", text)
  mend.step{ policy = act and act.policy, rung = "apply", action = act and act.op or "apply", ok = false,
             target = act and act.target, message = text }
  mend.advise(text)
  if act and act.policy then
    mend.outcome(act.policy, { outcome = "failed" })
  end
  return 1
end

local actions = plan.actions()
local n = #actions
log.info("applying a plan of %d step%s made %s on host %s by: %s", n, n == 1 and "" or "s",
         plan.field("created") or "?", plan.field("host") or "?", plan.field("command") or "?")

local fresh, stale, at = plan.preflight()
if not fresh then
  return stop(actions[at], at, n, stale)
end

for i, act in ipairs(actions) do
  local ok, why = plan.verify(i)
  if not ok then
    return stop(act, i, n, why .. " Nothing further was done.")
  end
  local fn = resolve(act.call)
  if not fn then
    return stop(act, i, n, string.format("step %d of %d, %s: mend has no function %s. Nothing further was done.",
                                         i, n, act.op, act.call))
  end
  local r, msg, code = fn(table.unpack(act.args, 1, act.nargs))
  plan.ran(i)
  local got = r ~= nil and "ok" or code
  mend.step{ policy = act.policy, rung = act.rung or "apply", action = act.op, target = act.target,
             ok = r ~= nil, code = r == nil and code or nil, message = r ~= nil and (act.why or "done") or msg }
  if got ~= act.expect then
    local expected = act.expect == "ok" and "to succeed" or ("to fail with " .. act.expect)
    local found = r ~= nil and "it succeeded" or string.format("it failed with %s: %s", code, msg)
    return stop(act, i, n, string.format("step %d of %d, %s %s: the plan expected it %s; %s. "
                                         .. "Nothing further was done.", i, n, act.op, act.target, expected, found))
  end
  plan.done(i)
end

-- Every step went as planned: the plan's outcomes are this run's.
for _, o in ipairs(plan.field("outcomes") or {}) do
  mend.outcome(o.name, { before = o.before, after = o.after, outcome = o.outcome, rung = o.rung })
end
for _, line in ipairs(plan.field("advice") or {}) do mend.advise(line) end
