-- --unsafe: a C module (package.cpath) loads and calls the Lua API of mend itself, however
-- mend links Lua. The module's folder comes as the first argument.
local t = require "testlib"

package.cpath = mend.args[1] .. "/?.so"
local m = require "mend_test_cmodule"
t.eq(m.answer(7), 42)
return t.finish()
