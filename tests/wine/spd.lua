-- Under Wine, through mend.exe: the spd module on winipsec.dll (the stand-in in the prefix's system32).
-- usage: mend run spd.lua missing|read|dry|change   (spd.sh runs each phase with its options)
local phase = arg[1]
local failed = 0
local function check(ok, what)
  print((ok and "ok   " or "FAIL ") .. what)
  if not ok then failed = failed + 1 end
end
local function by_name(list)
  local t = {}
  for _, x in ipairs(list or {}) do t[x.name] = x end
  return t
end
local CORP, BRANCH = "Corp-QM filter action", "Branch-QM"

if phase == "missing" then
  local list, msg, code = spd.qm_policies()
  check(list == nil and code == "unsupported" and msg:find("winipsec.dll", 1, true) ~= nil
        and msg:find("(0x7E)", 1, true) ~= nil, "no winipsec.dll in System32: unsupported, naming it: " .. tostring(msg))
  local ok, _, dcode = spd.delete_qm_policy(CORP)
  check(ok == nil and dcode == "unsupported", "delete_qm_policy: unsupported too (" .. tostring(dcode) .. ")")
elseif phase == "read" then
  local q = by_name(spd.qm_policies())
  check(q[CORP] and q[CORP].refs == 4 and q[CORP].pending_deletion == nil and q[CORP].guid:match("^{%x+%-"),
        "qm_policies: Corp with 4 references, pending_deletion nil (Windows does not say)")
  local f = by_name(spd.filters())
  check(f["Corp tunnel"] and f["Corp tunnel"].type == "tunnel" and f["Corp tunnel"].qm_policy == CORP,
        "filters: the tunnel filter and its QM policy")
  local sas = spd.sas() or {}
  check(#sas == 4 and sas[1].qm_policy == CORP and math.type(sas[1].id) == "integer", "sas: 4, with their QM policy")
  local ok, msg, code = spd.delete_qm_policy(CORP)
  check(ok == nil and code == "not_permitted", "delete_qm_policy without the service gate is refused: " .. tostring(msg))
  ok, msg, code = spd.delete_sas(BRANCH)
  check(ok == nil and code == "not_permitted", "delete_sas without the service gate is refused: " .. tostring(msg))
  ok, msg, code = spd.delete_filter("Corp tunnel")
  check(ok == nil and code == "not_permitted", "delete_filter without the service gate is refused: " .. tostring(msg))
elseif phase == "dry" then
  check(spd.delete_sas(BRANCH) == true and spd.delete_qm_policy(BRANCH) == true and
        spd.delete_filter("Corp tunnel") == true, "dry-run: the three changes answer true")
  local q = by_name(spd.qm_policies())
  check(q[BRANCH] and q[BRANCH].refs == 2, "... and Branch is still there with its 2 SAs")
  check(by_name(spd.filters())["Corp tunnel"] ~= nil, "... and the tunnel filter too")
elseif phase == "change" then
  local ok, msg, code = spd.delete_qm_policy(CORP)
  check(ok == nil and code == "pending_deletion" and msg:find("(0x32DF)", 1, true) ~= nil,
        "delete_qm_policy of a referenced QM policy: pending_deletion, 0x32DF: " .. tostring(msg))
  local q = by_name(spd.qm_policies())
  check(q[CORP] and q[CORP].pending_deletion == true, "Corp stays listed, now known pending deletion")
  check(spd.delete_sas(BRANCH) == true, "delete_sas of Branch")
  check(spd.delete_qm_policy(BRANCH) == true, "then delete_qm_policy of Branch")
  q = by_name(spd.qm_policies())
  check(q[BRANCH] == nil and #(spd.sas() or {}) == 2, "Branch and its SAs are gone")
  -- Corp, pending, keeps its SAs and two filters: drop them all and it goes with the last.
  check(spd.delete_sas(CORP) == true, "delete_sas of Corp")
  check(spd.delete_filter("corp FILTER list") == true, "delete_filter of the transport filter by name (any case)")
  local f = by_name(spd.filters())
  check(f["Corp filter list"] == nil and f["Corp tunnel"] ~= nil, "... it is gone, the tunnel filter stays")
  check(by_name(spd.qm_policies())[CORP] ~= nil, "... and Corp, still referenced by it, stays")
  check(spd.delete_filter(f["Corp tunnel"].guid:lower()) == true, "delete_filter of the tunnel filter by GUID")
  check(by_name(spd.qm_policies())[CORP] == nil, "Corp went with its last filter")
  ok, msg, code = spd.delete_filter("Corp tunnel")
  check(ok == nil and code == "not_found" and msg:find("(0x32D1)", 1, true) ~= nil,
        "a filter no longer there: not_found, 13009: " .. tostring(msg))
else
  error("unknown phase " .. tostring(phase), 0)
end
if failed > 0 then error(failed .. " check(s) failed", 0) end
