-- reg: typed get/set, keys, values, exists, export/import round trips, Unicode and quotes, and
-- the registry gate on every write (set, delete, import). Run without and with --allow registry.
local t = require "testlib"

local APP = "HKLM\\SOFTWARE\\Contoso\\App"
local WORK = ""   -- the test runs in its own work folder

-- get: each type as DESIGN shows it
t.eq(table.pack(reg.get(APP, "Name")), table.pack("mend test", "REG_SZ"))
t.eq(table.pack(reg.get(APP, "Count")), table.pack(42, "REG_DWORD"))
t.eq(table.pack(reg.get(APP, "Big")), table.pack(5000000000, "REG_QWORD"))
t.eq(table.pack(reg.get(APP, "Hosts")), table.pack({ "a.corp", "b.corp" }, "REG_MULTI_SZ"))
t.eq(table.pack(reg.get(APP, "Blob")), table.pack("\0\255\16", "REG_BINARY"))
t.eq(table.pack(reg.get(APP, "Path")), table.pack("%SystemRoot%\\mend", "REG_EXPAND_SZ"))
t.eq(math.type((reg.get(APP, "Count"))), "integer")
t.eq(reg.get("HKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso\\App", "Name"), "mend test", "long root")
t.eq(reg.get("hklm:\\software\\contoso\\app", "Name"), "mend test", "PowerShell form, any case")
t.eq(reg.get("HKLM/SOFTWARE/Contoso/App", "Name"), "mend test", "forward slashes")
t.contains(t.err("not_found", reg.get, APP, "Missing"), "(0x2)")
t.err("not_found", reg.get, APP .. "\\Nope", "Name")

local K = "HKLM\\SOFTWARE\\Contoso\\Typed"

-- Without --allow registry every write is refused and changes nothing: a value such as RunOnce
-- or a service's ImagePath is command execution on Windows.
if not mend.allowed("registry") then
  t.contains(t.err("not_permitted", reg.set, K, "s", "text"), "--allow registry")
  t.contains(t.err("not_permitted", reg.set, APP, "Name", "changed"), "changing the registry")
  t.eq(reg.exists(K), false)
  t.eq(reg.get(APP, "Name"), "mend test")
  local only_writes = WORK .. "writes.reg"
  local f = assert(io.open(only_writes, "wb"))
  f:write("Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso\\App]\r\n\"Name\"=\"imported\"\r\n")
  f:close()
  t.contains(t.err("not_permitted", reg.import, only_writes), "--allow registry")
  t.eq(reg.get(APP, "Name"), "mend test")
  local del = WORK .. "delete.reg"
  f = assert(io.open(del, "wb"))
  f:write("Windows Registry Editor Version 5.00\r\n\r\n[-HKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso\\App\\Child]\r\n")
  f:close()
  t.contains(t.err("not_permitted", reg.import, del), "--allow registry")
  t.eq(reg.exists(APP .. "\\Child"), true)
  t.contains(t.err("not_permitted", reg.delete, APP, { tree = true }), "--allow registry")
  t.eq(reg.exists(APP), true)
  -- argument mistakes still raise before any gate
  t.raises("bad argument #3", reg.set, K, "v", true)
  t.raises("unknown registry type", reg.set, K, "v", "x", "REG_TEXT")
  return t.finish()
end

-- set: inferred and explicit types, read back
t.eq(reg.set(K, "s", "text"), true)
t.eq(table.pack(reg.get(K, "s")), table.pack("text", "REG_SZ"))
t.ok(reg.set(K, "d", 7))
t.eq(table.pack(reg.get(K, "d")), table.pack(7, "REG_DWORD"))
t.ok(reg.set(K, "dmax", 0xFFFFFFFF))
t.eq(table.pack(reg.get(K, "dmax")), table.pack(4294967295, "REG_DWORD"))
t.ok(reg.set(K, "q", 0x100000000))
t.eq(table.pack(reg.get(K, "q")), table.pack(0x100000000, "REG_QWORD"))
t.ok(reg.set(K, "neg", -5))
t.eq(table.pack(reg.get(K, "neg")), table.pack(-5, "REG_QWORD"))
t.ok(reg.set(K, "m", { "one", "two", "три" }))
t.eq(table.pack(reg.get(K, "m")), table.pack({ "one", "two", "три" }, "REG_MULTI_SZ"))
t.ok(reg.set(K, "m1", "solo", "REG_MULTI_SZ"))
t.eq(reg.get(K, "m1"), { "solo" })
t.ok(reg.set(K, "empty", {}))
t.eq(table.pack(reg.get(K, "empty")), table.pack({}, "REG_MULTI_SZ"))
t.ok(reg.set(K, "x", "%TEMP%", "REG_EXPAND_SZ"))
t.eq(table.pack(reg.get(K, "x")), table.pack("%TEMP%", "REG_EXPAND_SZ"))
t.ok(reg.set(K, "b", "\0\1\2\255", "REG_BINARY"))
t.eq(table.pack(reg.get(K, "b")), table.pack("\0\1\2\255", "REG_BINARY"))
t.ok(reg.set(K, "dw", -1, "REG_DWORD"))
t.eq(reg.get(K, "dw"), 4294967295)
t.ok(reg.set(K, "qw", 1, "qword"))
t.eq(table.pack(reg.get(K, "qw")), table.pack(1, "REG_QWORD"))
t.ok(reg.set(K, "be", 0x01020304, "REG_DWORD_BIG_ENDIAN"))
t.eq(table.pack(reg.get(K, "be")), table.pack("\1\2\3\4", "REG_DWORD_BIG_ENDIAN"))
t.ok(reg.set(K, "n", "", "REG_NONE"))
t.eq(table.pack(reg.get(K, "n")), table.pack("", "REG_NONE"))
t.ok(reg.set(K, nil, "default value"))
t.eq(reg.get(K), "default value")
t.eq(reg.get(K, ""), "default value")
t.err("invalid", reg.set, K, "big", 0x100000000, "REG_DWORD")
t.err("invalid", reg.set, K, "hole", { "a", "" })
t.err("invalid", reg.set, K, "nul", "a\0b")
t.err("invalid", reg.set, K, "utf", "\xff")
t.err("invalid", reg.set, K .. "\xff", "v", "x")
t.contains(t.err("access_denied", reg.set, "HKLM\\SOFTWARE\\Contoso\\Denied", "X", "z"), "(0x5)")

-- quotes, backslash-free oddities, newlines and Unicode in key names, value names and data
local U = "HKLM\\SOFTWARE\\Contoso\\Ünïcødé \"quoted\" 策略"
t.ok(reg.set(U, "line\nbreak \"q\" =", "data with \"quotes\"\nand a newline ✓"))
t.eq(reg.get(U, "line\nbreak \"q\" ="), "data with \"quotes\"\nand a newline ✓")
t.eq(reg.exists(U), true)

-- keys / values / exists
local kids = t.ok(reg.keys("HKLM\\SOFTWARE\\Contoso"))
table.sort(kids)
t.eq(kids, { "App", "Denied", "Typed", "Ünïcødé \"quoted\" 策略" })
t.eq(t.ok(reg.keys(APP)), { "Child" })
t.eq(t.ok(reg.keys(APP .. "\\Child")), {})
t.err("not_found", reg.keys, APP .. "\\Nope")
local vals = t.ok(reg.values(APP))
t.eq(#vals, 6)
local byname = {}
for _, v in ipairs(vals) do byname[v.name] = v end
t.eq(byname.Count, { name = "Count", type = "REG_DWORD", data = 42 })
t.eq(byname.Hosts, { name = "Hosts", type = "REG_MULTI_SZ", data = { "a.corp", "b.corp" } })
t.eq(byname.Blob.data, "\0\255\16")
t.err("not_found", reg.values, APP .. "\\Nope")
t.eq(reg.exists(APP), true)
t.eq(reg.exists(APP .. "\\Nope"), false)
t.eq(reg.exists("HKLM"), true)

-- export, then import into a changed tree, restores it
local file = WORK .. "app.reg"
t.eq(reg.export(APP, file), true)
local f = assert(io.open(file, "rb"))
local head = f:read(2)
f:close()
t.eq(head, "\255\254", "UTF-16LE with BOM")
local before = reg.values(APP)
t.ok(reg.set(APP, "Name", "changed"))
t.ok(reg.set(APP, "Count", 1))
local changed = reg.values(APP)
local ok_import, import_backup = reg.import(file)
t.eq(ok_import, true)
t.eq(reg.get(APP, "Name"), "mend test")
t.eq(reg.values(APP), before)
-- what the import overwrote was backed up first, and that backup puts it back
t.ok(import_backup and import_backup:match("/backups/.*import.*%.reg$"), import_backup)
t.ok(reg.import(import_backup))
t.eq(reg.values(APP), changed)
t.ok(reg.import(file))
-- a file that only adds a new key overwrites nothing: no backup
local adds = WORK .. "adds.reg"
local fa = assert(io.open(adds, "wb"))
fa:write("Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso\\Fresh]\r\n\"v\"=\"1\"\r\n")
fa:close()
local ok_adds, adds_backup = reg.import(adds)
t.eq(ok_adds, true)
t.eq(adds_backup, nil)
t.err("not_found", reg.export, APP .. "\\Nope", WORK .. "nope.reg")
t.err("io", reg.export, APP, WORK .. "no/such/dir/x.reg")
local uni = WORK .. "unicode.reg"
t.ok(reg.export(U, uni))
t.ok(reg.set(U, "line\nbreak \"q\" =", "other"))
t.ok(reg.import(uni))
t.eq(reg.get(U, "line\nbreak \"q\" ="), "data with \"quotes\"\nand a newline ✓")

-- malformed and missing files
local bad = WORK .. "bad.reg"
f = assert(io.open(bad, "wb"))
f:write("Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\X]\r\n\"v\"=dword:xyz\r\n")
f:close()
t.contains(t.err("invalid", reg.import, bad), "line 4")
local ok_missing, _, code_missing = reg.import(WORK .. "missing.reg")
t.eq(ok_missing, nil)
t.ok(code_missing == "not_found" or code_missing == "io", code_missing)

-- a file that deletes needs the registry gate
local del = WORK .. "delete.reg"
f = assert(io.open(del, "wb"))
f:write("Windows Registry Editor Version 5.00\r\n\r\n[-HKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso\\Typed]\r\n")
f:close()

-- delete: backup, tree
do
  t.ok(reg.import(del))
  t.eq(reg.exists(K), false)
  t.contains(t.err("invalid", reg.delete, APP), "subkeys")
  local ok, backup = reg.delete(APP, { tree = true })
  t.eq(ok, true)
  t.ok(backup:match("/backups/%d%d%d%d%d%d%d%dT%d%d%d%d%d%dZ%-HKLM_SOFTWARE_Contoso_App%.reg$"), backup)
  t.eq(reg.exists(APP), false)
  -- the backup restores the same tree
  t.ok(reg.import(backup))
  t.eq(reg.values(APP), before)
  t.eq(reg.keys(APP), { "Child" })
  t.eq(reg.get(APP .. "\\Child", "Leaf"), "1")
  -- deleting the same key again (within the same second) never overwrites the first backup
  local ok2, backup2 = reg.delete(APP, { tree = true })
  t.ok(ok2, backup2)
  t.ok(backup2 ~= backup, backup2)
  t.ok(io.open(backup, "rb")):close()
  t.ok(io.open(backup2, "rb")):close()
  t.ok(reg.import(backup2))
  t.ok(reg.delete(APP .. "\\Child"))
  local ok3, backup3 = reg.delete(U)
  t.ok(ok3, backup3)
  t.ok(io.open(backup3, "rb")):close()
  t.err("not_found", reg.delete, APP .. "\\Child")
  t.err("invalid", reg.delete, "HKLM")
end

-- A hive's top key (HKLM\SOFTWARE, HKLM\SYSTEM, a user's HKU\SID) is never deleted, gate or not:
-- `reg.delete("HKLM\\SOFTWARE\\" .. (name or ""), {tree = true})` with an empty name must not
-- take the machine's software with it.
t.contains(t.err("invalid", reg.delete, "HKLM\\SOFTWARE", { tree = true }), "top key")
t.contains(t.err("invalid", reg.delete, "HKEY_LOCAL_MACHINE\\SYSTEM\\", { tree = true }), "top key")
t.contains(t.err("invalid", reg.delete, "HKU\\S-1-5-18", { tree = true }), "top key")
do
  local top = WORK .. "top.reg"
  local tf = assert(io.open(top, "wb"))
  tf:write("Windows Registry Editor Version 5.00\r\n\r\n[-HKEY_LOCAL_MACHINE\\SOFTWARE]\r\n")
  tf:close()
  t.contains(t.err("invalid", reg.import, top), "top key")
  t.eq(reg.exists("HKLM\\SOFTWARE\\Policies"), true)
end

-- argument errors
t.raises("unknown registry root", reg.get, "HKXY\\SOFTWARE", "v")
t.raises("unknown registry root", reg.exists, "SOFTWARE\\Contoso")
t.raises("bad argument #1", reg.get, nil, "v")
t.raises("bad argument #3", reg.set, K, "v", true)
t.raises("bad argument #3", reg.set, K, "v", 1.5)
t.raises("bad argument #3", reg.set, K, "v")
t.raises("unknown registry type", reg.set, K, "v", "x", "REG_TEXT")
t.raises("bad argument #3", reg.set, K, "v", { 1, 2 })
t.raises("bad argument #3", reg.set, K, "v", "x", "REG_DWORD")
t.raises("bad argument #2", reg.delete, APP, true)
t.raises("'tree' must be a boolean", reg.delete, APP, { tree = "yes" })
t.raises("bad argument #2", reg.export, APP)
t.raises("bad argument #1", reg.import)
t.eq(require "reg", reg)
return t.finish()
