-- handles: scan filters, holders by registry path (short and long roots) and NT name, the
-- processes the scan could not look inside (second value), errors.
local t = require "testlib"

local all = t.ok(handles.scan())
t.ok(#all >= 2, #all)
for _, h in ipairs(all) do
  t.eq(math.type(h.pid), "integer")
  t.eq(type(h.process), "string")
  t.eq(math.type(h.handle), "integer")
  t.eq(type(h.type), "string")
  t.eq(type(h.name), "string")
  t.eq(math.type(h.access), "integer")
end
t.eq(#t.ok(handles.scan{}), #all)

local vpn = t.ok(handles.scan{ pid = 4242 })
t.ok(#vpn >= 1)
for _, h in ipairs(vpn) do t.eq(h.pid, 4242) ; t.eq(h.process, "vpnagent.exe") end
t.eq(#t.ok(handles.scan{ process = "VPNAGENT.EXE" }), #vpn, "process filter ignores case")
t.eq(#t.ok(handles.scan{ pid = 99999 }), 0)
local keys = t.ok(handles.scan{ type = "key" })
for _, h in ipairs(keys) do t.eq(h.type:lower(), "key") end
local policy_handles = t.ok(handles.scan{ name = "ipsecpolicy" })
t.eq(#policy_handles, 3, "name is a substring match ignoring case")
for _, h in ipairs(all) do t.ok(h.pid ~= 5300, "a protected process's handles are not seen") end

-- the protected process is named as unseen, with Windows' reason
local _, unseen = t.ok(handles.scan())
t.eq(#unseen, 1)
t.eq(unseen[1].pid, 5300)
t.eq(unseen[1].process, "shield.exe")
t.contains(unseen[1].error, "(0x5)")
t.eq(select(2, handles.scan{ pid = 4242 }), {}, "the filter applies to the unseen list")
t.eq(#select(2, handles.scan{ process = "SHIELD.EXE" }), 1)

-- holders of one policy's store key
local key = t.ok(ipsec.store_key("Held-QM"))
local holders = t.ok(handles.holders(key))
t.eq(#holders, 1)
t.eq(holders[1].pid, 4242)
t.eq(holders[1].process, "vpnagent.exe")
t.eq(holders[1].name:sub(1, 19), "\\REGISTRY\\MACHINE\\S")
t.eq(#t.ok(handles.holders(key:gsub("^HKLM", "HKEY_LOCAL_MACHINE"))), 1, "long root")
t.eq(#t.ok(handles.holders(key:lower())), 1, "object names ignore case")
t.eq(#t.ok(handles.holders(holders[1].name)), 1, "NT name")

-- lsass holds the active policy: normal, and reported like any holder; the protected
-- process's handle on it stays hidden, and holders says it could not look there
local lsass, blind = handles.holders(ipsec.store_key("Active-QM"))
t.eq(#lsass, 1)
t.eq(lsass[1].process, "lsass.exe")
t.eq(#blind, 1)
t.eq(blind[1].process, "shield.exe")

-- the store's parent key: every handle below it
local below = t.ok(handles.holders("HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Local"))
t.eq(#below, 3)
-- a sibling whose name merely starts the same is not "below"
t.eq(#t.ok(handles.holders(key:sub(1, -3))), 0)
t.eq(#t.ok(handles.holders("HKLM\\SOFTWARE\\Nothing\\Here")), 0)

t.err("unsupported", handles.holders, "HKCU\\Software\\Foo")
t.err("invalid", handles.holders, "\\REGISTRY\\\xff")
t.err("invalid", handles.scan, { process = "\xff" })

t.raises("unknown registry root", handles.holders, "Corp-QM")
t.raises("bad argument #1", handles.holders)
t.raises("bad argument #1", handles.scan, "vpnagent.exe")
t.raises("'pid' must be an integer", handles.scan, { pid = "4242" })
t.raises("'name' must be a string", handles.scan, { name = 1 })
t.eq(require "handles", handles)
return t.finish()
