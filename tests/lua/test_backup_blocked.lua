-- reg.delete and reg.import refuse with code io, changing nothing, when their .reg backup cannot
-- be written (the runner puts a plain file where the backups folder should be).
local t = require "testlib"

local APP = "HKLM\\SOFTWARE\\Contoso\\App"
t.eq(mend.allowed("registry"), true)
local msg = t.err("io", reg.delete, APP, { tree = true })
t.contains(msg, "nothing was deleted")
t.eq(reg.exists(APP), true)
t.eq(reg.get(APP .. "\\Child", "Leaf"), "1")
t.err("io", reg.delete, APP .. "\\Child")
t.eq(reg.exists(APP .. "\\Child"), true)

-- an import that would overwrite and delete is refused whole
local f = assert(io.open("overwrite.reg", "wb"))
f:write("Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso\\App]\r\n"
        .. "\"Name\"=\"overwritten\"\r\n\r\n[-HKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso\\App\\Child]\r\n")
f:close()
t.contains(t.err("io", reg.import, "overwrite.reg"), "could not back up")
t.eq(reg.get(APP, "Name"), "mend test")
t.eq(reg.exists(APP .. "\\Child"), true)
return t.finish()
