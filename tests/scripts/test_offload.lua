-- offload.lua finds the adapters with IPsec task offload on and turns it off only where allowed;
-- its steps record each change and each adapter restart, and say that the link drops.
local t = require "testlib"
local offload = require "offload"

local list = assert(offload.offloading())
t.eq(#list, 1)
t.eq(list[1].name, "Ethernet0")
t.contains(offload.why, "PolicyAgent")
t.contains(offload.why, "link drops")
local res = offload.disable(list)
t.eq(res[1].ok, false)
t.eq(res[1].changed, false, "a refused change writes nothing")
t.eq(res[1].code, "not_permitted")
t.contains(res[1].message, "--allow nic")
t.eq(offload.steps(res, false), {}, "a refusal is advice, not a step")
t.eq(#assert(offload.offloading()), 1, "still offloading after the refusal")
t.contains(offload.advice(list, "mend fix X --allow nic"), "Ethernet0")
t.eq(offload.recorded(), {}, "nothing recorded before mend turned anything off")

-- A change and its restart are two steps; a restart that failed says the change waits for one.
local steps = offload.steps({ { name = "Ethernet0", ok = true, changed = true, restarted = true } }, false)
t.eq(#steps, 2)
t.eq(steps[1].action, "nic.set_ipsec_offload")
t.contains(steps[1].message, offload.RECORD_KEY)
t.eq(steps[2].action, "nic.restart_adapter")
t.contains(steps[2].message, "link dropped")
steps = offload.steps({ { name = "Ethernet0", ok = false, changed = true, restarted = false, code = "not_found",
                          message = "no present network device" } }, false)
t.eq(#steps, 2)
t.eq(steps[2].ok, false)
t.eq(steps[2].code, "not_found")
t.contains(offload.restart_advice("Ethernet0"), "Restart-NetAdapter -Name \"Ethernet0\"")
return t.finish()
