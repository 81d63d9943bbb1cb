-- svc: query fields, start/stop/restart and their counters, timeouts, access denied, argument
-- errors; run with --allow service, and as "refused" without it (the service gate).
local t = require "testlib"

if mend.args[1] == "refused" then
  -- Without --allow service only the ladder's own Policy Agent restart goes through.
  for _, call in ipairs({ svc.start, svc.stop, svc.restart }) do
    t.contains(t.err("not_permitted", call, "Locked"), "--allow service")
  end
  t.contains(t.err("not_permitted", svc.stop, "PolicyAgent"), "--allow service")
  t.contains(t.err("not_permitted", svc.start, "PolicyAgent"), "--allow service")
  t.eq(svc.query("Locked").state, "running")
  local pid = svc.query("PolicyAgent").pid
  t.eq(svc.restart("policyagent"), true)
  t.ok(svc.query("PolicyAgent").pid ~= pid, "the exempt restart really restarted it")
  return t.finish()
end

local s = t.ok(svc.query("PolicyAgent"))
t.eq(s.name, "PolicyAgent")
t.eq(s.display_name, "IPsec Policy Agent")
t.eq(s.state, "running")
t.eq(s.start_type, "auto")
t.ok(math.type(s.pid) == "integer" and s.pid > 0, s.pid)
t.eq(table.concat(s.depends_on, ","), "RpcSs,Tcpip")
t.eq(#t.ok(svc.dependents("PolicyAgent")), 0)
t.ok(#t.ok(svc.dependents("RpcSs", { all = true })) >= 4, "RpcSs has dependents")
t.err("not_found", svc.dependents, "NoSuchService")

local stub = t.ok(svc.query("Stubborn"))
t.eq(stub.display_name, "Ignores stop")
t.eq(stub.start_type, "demand")

t.contains(t.err("not_found", svc.query, "NoSuchService"), "(0x424)")
t.err("not_found", svc.start, "NoSuchService")
t.err("not_found", svc.stop, "NoSuchService")
t.err("not_found", svc.restart, "NoSuchService")

-- stop, start, restart
t.eq(svc.stop("PolicyAgent"), true)
local stopped = svc.query("PolicyAgent")
t.eq(stopped.state, "stopped")
t.eq(stopped.pid, 0)
t.eq(svc.start("PolicyAgent", { timeout = 5 }), true)
local started = svc.query("PolicyAgent")
t.eq(started.state, "running")
t.ok(started.pid > 0)
local ok, deps = svc.restart("PolicyAgent")
t.eq(ok, true)
t.eq(#deps.stopped + #deps.started + #deps.down, 0)
local restarted = svc.query("PolicyAgent")
t.eq(restarted.state, "running")
t.ok(restarted.pid ~= started.pid, "a restarted service runs in a new process")
-- a restart of a stopped service starts it
t.ok(svc.stop("PolicyAgent"))
t.eq(svc.restart("PolicyAgent"), true)
t.eq(svc.query("PolicyAgent").state, "running")

-- faults: a service that ignores stop times out; a denied stop says so
t.contains(t.err("timeout", svc.stop, "Stubborn", { timeout = 1 }), "(0x41D)")
t.err("timeout", svc.restart, "Stubborn", { timeout = 0 })
t.contains(t.err("access_denied", svc.stop, "Locked"), "Access is denied. (0x5)")
-- a service stuck stopping cannot be started; a disabled one cannot start at all
t.eq(svc.query("Stubborn").state, "stop_pending")
t.contains(t.err("in_use", svc.start, "Stubborn"), "(0x425)")
t.contains(t.err("io", svc.start, "Off"), "disabled")
t.eq(svc.query("Off").state, "stopped")

t.err("invalid", svc.query, "bad\xff")
t.err("invalid", svc.start, "nul\0")

-- argument errors
t.raises("bad argument #1", svc.query)
t.raises("bad argument #1", svc.query, {})
t.raises("bad argument #2", svc.start, "PolicyAgent", 30)
t.raises("'timeout' must be a number", svc.stop, "PolicyAgent", { timeout = "1s" })
t.raises("zero or more", svc.restart, "PolicyAgent", { timeout = -1 })
t.eq(require "svc", svc)
return t.finish()
