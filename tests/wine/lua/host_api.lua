-- Under Wine, on the real host: the Lua API reaches every area of the win32 backend.
assert(mend.host == "local", "host is " .. tostring(mend.host))
local base = [[HKLM\SOFTWARE\MendLuaTest]]
assert(reg.set(base, "s", "h\u{e9}llo"))
assert(reg.set(base, "d", 42, "REG_DWORD"))
assert(reg.set(base, "m", { "a", "b" }, "REG_MULTI_SZ"))
local v, t = reg.get(base, "s")
assert(v == "h\u{e9}llo" and t == "REG_SZ", tostring(v) .. " " .. tostring(t))
v, t = reg.get(base, "d")
assert(v == 42 and t == "REG_DWORD", tostring(v) .. " " .. tostring(t))
assert(reg.exists(base))
local _, msg, code = reg.get(base .. [[\missing]], "x")
assert(code == "not_found" and msg:find("(0x2)", 1, true), tostring(msg))

local agent = assert(svc.query("PolicyAgent"))
assert(agent.state == "running", "PolicyAgent is " .. agent.state)
assert(svc.restart("PolicyAgent", { timeout = 30 }))
local again = assert(svc.query("PolicyAgent"))
assert(again.state == "running" and again.pid ~= agent.pid, "restart gave pid " .. again.pid)

assert(ipsec.create{ name = "Lua Made & Co", description = "from | lua %x%" })
local p = assert(ipsec.get("Lua Made & Co"))
-- The store keeps no pending-deletion mark: the Windows host says it cannot tell, and why.
assert(p.state == "unknown" and p.description == "from | lua %x%", p.state)
assert(type(p.state_reason) == "string" and p.state_reason:find("does not record", 1, true), p.state_reason)
assert(ipsec.delete("Lua Made & Co"))
assert(select(3, ipsec.get("Lua Made & Co")) == "not_found")

assert(type(sys.is_admin()) == "boolean")
assert(sys.os():find("Windows"), sys.os())
assert(#assert(proc.list()) > 3)
return 0
