-- svc: a stop or restart knows which dependents it stopped and a restart starts them again;
-- a plain stop refuses while dependents run; one that cannot start again is reported down.
local t = require "testlib"

local function state(name) return svc.query(name).state end

-- Windows' stop order: a dependent's own dependents first; only running ones unless all.
t.eq(table.concat(t.ok(svc.dependents("PolicyAgent")), ","), "VpnTray,VpnAgent")
local all = table.concat(t.ok(svc.dependents("PolicyAgent", { all = true })), ",")
t.ok(all:find("Watcher", 1, true) and all:find("VpnTray", 1, true), all)

-- A plain stop of a service with running dependents is refused, as SCM refuses it (1051).
local msg = t.err("in_use", svc.stop, "PolicyAgent")
t.contains(msg, "(0x41B)")
t.contains(msg, "VpnAgent, VpnTray")
t.eq(state("PolicyAgent"), "running")
t.eq(state("VpnAgent"), "running")

-- The restart brings back exactly the dependents that ran: dependencies first.
local ok, deps = svc.restart("PolicyAgent")
t.eq(ok, true)
t.eq(table.concat(deps.stopped, ","), "VpnTray,VpnAgent")
t.eq(table.concat(deps.started, ","), "VpnAgent,VpnTray")
t.eq(#deps.down, 0)
t.eq(state("VpnAgent"), "running")
t.eq(state("VpnTray"), "running")
t.eq(state("Watcher"), "stopped")

-- One that does not start again: the restart itself succeeded, the dependent is reported down.
ok, deps = svc.restart("IKEEXT")
t.eq(ok, true)
t.eq(table.concat(deps.stopped, ","), "Broken")
t.eq(#deps.started, 0)
t.eq(deps.down[1].name, "Broken")
t.eq(deps.down[1].code, "access_denied")
t.contains(deps.down[1].message, "(0x5)")
t.eq(state("Broken"), "stopped")
t.eq(state("IKEEXT"), "running")

-- dependents = true: a plain stop stops them too, and they stay stopped.
ok, deps = svc.stop("VpnAgent", { dependents = true })
t.eq(ok, true)
t.eq(table.concat(deps.stopped, ","), "VpnTray")
t.eq(#deps.started, 0)
t.eq(state("VpnTray"), "stopped")
t.eq(state("VpnAgent"), "stopped")
t.eq(svc.start("VpnTray"), true)
t.eq(state("VpnAgent"), "running")

-- A stop that fails after its dependents stopped tries to bring them back; here the service
-- hangs in stop_pending, so the dependent cannot start and is reported down.
local fail_msg, code, info
ok, fail_msg, code, info = svc.stop("Hang", { dependents = true, timeout = 1 })
t.eq(ok, nil)
t.eq(code, "timeout")
t.contains(fail_msg, "(0x41D)")
t.eq(table.concat(info.stopped, ","), "HangChild")
t.eq(info.down[1].name, "HangChild")
t.eq(state("HangChild"), "stopped")
return t.finish()
