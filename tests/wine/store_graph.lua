-- Under Wine, on the real registry: ipsec.remove_from_store removes one policy's graph from a
-- store where two policies share a filter list. usage: store_graph.lua remove|restored WORKDIR
local phase, work = mend.args[1], mend.args[2]
local LOCAL = "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Local"
local FORWARD = { "ipsecISAKMPReference", "ipsecNFAReference", "ipsecNegotiationPolicyReference",
                  "ipsecFilterReference" }
local failed = 0
local function check(ok, what)
  print((ok and "ok   " or "FAIL ") .. what)
  if not ok then failed = failed + 1 end
end
local function list(v)
  if v == nil then return {} end
  return type(v) == "table" and v or { v }
end
local function read(file)
  local f = assert(io.open(file, "rb"))
  local s = f:read("a")
  f:close()
  return s
end
local function whole()
  for _, k in ipairs(reg.keys(LOCAL)) do
    local path = LOCAL .. "\\" .. k
    local self = path:sub(6):lower()
    for _, name in ipairs(FORWARD) do
      for _, ref in ipairs(list((reg.get(path, name)))) do
        local back = false
        for _, o in ipairs(list((reg.get("HKLM\\" .. ref, "ipsecOwnersReference")))) do
          back = back or o:lower() == self
        end
        if not back then return false, path .. " -> " .. ref end
      end
    end
    for _, o in ipairs(list((reg.get(path, "ipsecOwnersReference")))) do
      if not reg.exists("HKLM\\" .. o) then return false, path .. " owner " .. o end
    end
  end
  local active = reg.get(LOCAL, "ActivePolicy")
  if active and not reg.exists("HKLM\\" .. active) then return false, "ActivePolicy " .. active end
  return true
end
local FILTER = LOCAL .. "\\ipsecFilter{7b0e4a10-0000-4000-8000-00000000f001}"

if phase == "remove" then
  local ok, why = whole()
  check(ok, "the imported store is whole " .. (why or ""))
  check(#reg.keys(LOCAL) == 9, "nine objects imported")
  check(reg.export(LOCAL, work .. "\\before.reg"), "exported the store before")
  local done, backup, info = ipsec.remove_from_store("Corp-QM")
  check(done == true, "remove_from_store succeeded " .. tostring(backup))
  if not done then return 1 end
  check(info.active_cleared, "it reports ActivePolicy cleared")
  check(reg.get(LOCAL, "ActivePolicy") == nil, "ActivePolicy is gone")
  check(#info.removed == 4 and #reg.keys(LOCAL) == 5, "policy, ISAKMP, rule, own filter action removed")
  check(reg.exists(FILTER), "the shared filter list is kept")
  check(#list(reg.get(FILTER, "ipsecOwnersReference")) == 1, "... with Branch's rule as its only owner")
  ok, why = whole()
  check(ok, "no reference dangles " .. (why or ""))
  local f = assert(io.open(work .. "\\backup.txt", "wb"))
  f:write(backup)
  f:close()
else
  local ok, why = whole()
  check(ok, "the restored store is whole " .. (why or ""))
  check(reg.get(LOCAL, "ActivePolicy") ~= nil, "ActivePolicy is back")
  check(reg.export(LOCAL, work .. "\\after.reg"), "exported the store after")
  check(read(work .. "\\after.reg") == read(work .. "\\before.reg"), "reg import of the backup restores it byte for byte")
end
return failed == 0 and 0 or 1
