-- offload.lua finds the adapters with IPsec task offload on and turns it off only where allowed.
local t = require "testlib"
local offload = require "offload"

local list = assert(offload.offloading())
t.eq(#list, 1)
t.eq(list[1].name, "Ethernet0")
t.contains(offload.why, "PolicyAgent")
local res = offload.disable(list)
t.eq(res[1].ok, false)
t.eq(res[1].code, "not_permitted")
t.contains(res[1].message, "--allow nic")
t.eq(#assert(offload.offloading()), 1, "still offloading after the refusal")
t.contains(offload.advice(list, "mend fix X --allow nic"), "Ethernet0")
return t.finish()
