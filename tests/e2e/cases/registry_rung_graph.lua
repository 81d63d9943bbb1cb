-- The registry rung removes a corrupt policy's whole store graph: its ISAKMP object, rule and own
-- filter action go, the filter list it shares with another policy stays without its rule, no
-- reference dangles, and the one .reg backup brings the graph back.
local CHECK = [[
local LOCAL = "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Local"
local function list(v) return type(v) == "table" and v or { v } end
local lan, objects = nil, 0
for _, k in ipairs(reg.keys(LOCAL)) do
  local path = LOCAL .. "\\" .. k
  objects = objects + 1
  for _, name in ipairs{ "ipsecISAKMPReference", "ipsecNFAReference", "ipsecNegotiationPolicyReference",
                         "ipsecFilterReference" } do
    for _, ref in ipairs(list(reg.get(path, name) or {})) do
      local back = false
      for _, o in ipairs(list(reg.get("HKLM\\" .. ref, "ipsecOwnersReference") or {})) do
        back = back or o == path:sub(6)
      end
      assert(back, path .. " -> " .. ref .. " dangles")
    end
  end
  for _, o in ipairs(list(reg.get(path, "ipsecOwnersReference") or {})) do
    assert(reg.exists("HKLM\\" .. o), path .. " lists a missing owner " .. o)
  end
  if reg.get(path, "ipsecName") == "LAN" then lan = path end
end
assert(lan, "the shared filter list is gone")
print(string.format("objects=%d lan_owners=%d", objects, #list(reg.get(lan, "ipsecOwnersReference"))))
return 0
]]

local case
case = {
  scenario_text = [[
return {
  policies = { { name = "Corp-QM", state = "pending_deletion", blockers = { "store_corrupt" }, filter_list = "LAN" },
               { name = "Branch", state = "active", filter_list = "LAN" } },
}]],
  setup = function(t, work)
    t.write(work .. "/check.lua", CHECK)
    for _, run in ipairs(case.runs) do
      for i, a in ipairs(run.args) do
        if a == "CHECK" then run.args[i] = work .. "/check.lua" end
        if a == "RESTORE" then run.args[i] = work .. "/restore.lua" end
      end
    end
  end,
  runs = {
    { args = { "run", "CHECK" }, exit = 0,
      check = function(t, res) t.check((res.stdout .. res.stderr):find("objects=9 lan_owners=2", 1, true), "before: %s%s", res.stdout, res.stderr) end },
    { args = { "fix", "Corp-QM", "--allow", "registry" }, exit = 0, outcome = "fixed",
      policies = { ["Corp-QM"] = { outcome = "fixed", rung = "registry" } },
      actions = { registry_deletes = 1, service_restarts = 1 },
      advice = { ".reg" },
      check = function(t, res, work)
        local files = t.listdir(work .. "/state/backups")
        t.eq(#files, 1, "one backup for the policy's whole graph")
        t.write(work .. "/restore.lua", string.format("assert(reg.import(%q))\nreturn 0\n",
                                                      work .. "/state/backups/" .. tostring(files[1])))
      end },
    { args = { "run", "CHECK" }, exit = 0,
      check = function(t, res) t.check((res.stdout .. res.stderr):find("objects=5 lan_owners=1", 1, true), "after: %s%s", res.stdout, res.stderr) end },
    { args = { "--allow", "registry", "run", "RESTORE" }, exit = 0 },
    { args = { "run", "CHECK" }, exit = 0,
      check = function(t, res) t.check((res.stdout .. res.stderr):find("objects=9 lan_owners=2", 1, true), "restored: %s%s", res.stdout, res.stderr) end },
  },
}
return case
