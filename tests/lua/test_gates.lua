-- Every gate, one script: mend.args[1] says how the run was started:
--   "refused"  no --allow, no --yes: every gated action refused, naming its --allow option
--   "allowed"  --allow all: every gated action done
--   "yes"      --yes: kill and nic done, but never the registry's nuclear option or a reboot
local t = require "testlib"
local mode = assert(mend.args[1], "pass refused, allowed or yes")

local reg_file = "gate-delete.reg"
local f = assert(io.open(reg_file, "wb"))
f:write("Windows Registry Editor Version 5.00\r\n\r\n[-HKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso\\App\\Child]\r\n")
f:close()

local actions = {
  kill = function() return proc.kill(5000) end,
  registry = function() return reg.delete("HKLM\\SOFTWARE\\Contoso\\Denied") end,
  registry_import = function() return reg.import(reg_file) end,
  nic = function() return nic.set_ipsec_offload("Ethernet0", false) end,
  reboot = function() return sys.reboot{ reason = "gate test" } end,
}
local option = { kill = "kill", registry = "registry", registry_import = "registry", nic = "nic", reboot = "reboot" }

for _, name in ipairs{ "kill", "registry", "registry_import", "nic", "reboot" } do
  local expect_done = mode == "allowed" or (mode == "yes" and option[name] ~= "reboot" and option[name] ~= "registry")
  if expect_done then
    t.ok(actions[name]())
  else
    t.contains(t.err("not_permitted", actions[name]), "rerun with --allow " .. option[name])
  end
end
-- what the refusals left alone
if mode == "refused" then
  t.eq(#proc.find("notepad.exe"), 1)
  t.eq(reg.exists("HKLM\\SOFTWARE\\Contoso\\Denied"), true)
  t.eq(reg.exists("HKLM\\SOFTWARE\\Contoso\\App\\Child"), true)
  t.eq(nic.list()[1].ipsec_offload, true)
end
-- writes need the registry gate too: a file that only writes, and reg.set
f = assert(io.open("gate-write.reg", "wb"))
f:write("Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Contoso\\New]\r\n\"v\"=\"1\"\r\n")
f:close()
if mode == "allowed" then
  t.ok(reg.import("gate-write.reg"))
  t.eq(reg.get("HKLM\\SOFTWARE\\Contoso\\New", "v"), "1")
  t.ok(reg.set("HKLM\\SOFTWARE\\Contoso\\New", "w", "2"))
else
  t.contains(t.err("not_permitted", reg.import, "gate-write.reg"), "rerun with --allow registry")
  t.contains(t.err("not_permitted", reg.set, "HKLM\\SOFTWARE\\Contoso\\New", "w", "2"), "rerun with --allow registry")
  t.eq(reg.exists("HKLM\\SOFTWARE\\Contoso\\New"), false)
end
return t.finish()
