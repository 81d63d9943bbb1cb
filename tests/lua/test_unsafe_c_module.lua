-- --unsafe: a C module (package.cpath) loads and calls the Lua API of mend itself, however
-- mend links Lua. The module's folder comes as the first argument; "static" as the second says
-- this mend is a static executable, which cannot load shared objects: then loadlib says so.
local t = require "testlib"

if mend.args[2] == "static" then
  local f, msg, where = package.loadlib(mend.args[1] .. "/mend_test_cmodule.so", "luaopen_mend_test_cmodule")
  t.eq(f, nil)
  t.eq(where, "absent")
  t.ok(msg:find("dynamic libraries not enabled", 1, true), msg)
  return t.finish()
end

package.cpath = mend.args[1] .. "/?.so"
local m = require "mend_test_cmodule"
t.eq(m.answer(7), 42)
return t.finish()
