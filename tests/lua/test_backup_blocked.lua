-- reg.delete refuses with code io, deleting nothing, when its .reg backup cannot be written
-- (the runner puts a plain file where the backups folder should be).
local t = require "testlib"

local APP = "HKLM\\SOFTWARE\\Contoso\\App"
t.eq(mend.allowed("registry"), true)
local msg = t.err("io", reg.delete, APP, { tree = true })
t.contains(msg, "nothing was deleted")
t.eq(reg.exists(APP), true)
t.eq(reg.get(APP .. "\\Child", "Leaf"), "1")
t.err("io", reg.delete, APP .. "\\Child")
t.eq(reg.exists(APP .. "\\Child"), true)
return t.finish()
