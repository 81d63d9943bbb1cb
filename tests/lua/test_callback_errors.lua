-- Errors raised by script code that a binding calls back into (metamethods on argument tables,
-- __tostring under log's string.format) reach the script intact and leak nothing (ASan build).
local t = require "testlib"

local function exploding(what)
  return setmetatable({}, { __index = function() error(what .. " exploded") end })
end

for i = 1, 200 do
  t.raises("create exploded", ipsec.create, exploding("create"))
  t.raises("scan exploded", handles.scan, exploding("scan"))
  t.raises("opts exploded", svc.start, "PolicyAgent", exploding("opts"))
  t.raises("tree exploded", reg.delete, "HKLM\\SOFTWARE\\Contoso\\App", exploding("tree"))
  t.raises("gp exploded", sys.gpupdate, exploding("gp"))
  t.raises("reason exploded", sys.reboot, exploding("reason"))
  t.raises("outcome exploded", mend.outcome, "P", exploding("outcome"))
  t.raises("tostring exploded", log.info, "%s",
    setmetatable({}, { __tostring = function() error("tostring exploded") end }))
  -- results built while a list is owned by the binding
  t.ok(#ipsec.policies() > 0)
  t.ok(#proc.list() > 0)
  t.ok(#reg.values("HKLM\\SOFTWARE\\Contoso\\App") > 0)
end
-- nothing half-done: the state is as it was
t.eq(svc.query("PolicyAgent").state, "running")
t.eq(reg.exists("HKLM\\SOFTWARE\\Contoso\\App"), true)
return t.finish()
