-- One item that cannot be read is recorded in the manifest with Windows' reason and the rest is
-- still collected: here the SPD's quick-mode policies, netsh's show text and the event log are denied.
local json_lib = dofile(os.getenv("MEND_SOURCE_DIR") .. "/scripts/lib/json.lua")
return {
  scenario_text = [[return {
  policies = { { name = "Corp-QM", state = "pending_deletion", sa_count = 1 }, { name = "Srv", assigned = true } },
  faults = { access_denied = { "spd.qm_policies", "ipsec.show", "events.recent" } },
}]],
  test = function(t, work)
    local bundle = work .. "/bundle"
    local res = t.mend(work, { "capture", "--evidence", bundle }, { json = false })
    t.eq(res.rc, 0, "capture --evidence exit code")
    local manifest = json_lib.decode(t.read(bundle .. "/manifest.json") or "") or {}
    local by = {}
    for _, f in ipairs(manifest.files or {}) do by[f.name] = f end
    for _, name in ipairs{ "spd-qm-policies.json", "netsh-static.txt", "netsh-dynamic.txt" } do
      local f = by[name] or {}
      t.check(f.collected == false and tostring(f.reason):find("0x5", 1, true), "%s: %s", name, tostring(f.reason))
      t.check(not t.exists(bundle .. "/" .. name), "%s has no file", name)
    end
    local ev = by["events.json"] or {}
    t.check(ev.collected == false and tostring(ev.reason):find("0x5", 1, true)
            and tostring(ev.reason):find("code access_denied", 1, true), "events.json: %s", tostring(ev.reason))
    t.check(not t.exists(bundle .. "/events.json"), "events.json has no file")
    for _, name in ipairs{ "store.reg", "policies.json", "spd-filters.json", "spd-sas.json", "services.json", "nics.json" } do
      t.check(by[name] and by[name].collected and t.exists(bundle .. "/" .. name), "%s still collected", name)
    end
    t.check(res.stderr:find("spd-qm-policies.json not collected", 1, true), "the warning names the item:\n%s", res.stderr)
    -- The bundle still replays.
    res = t.mend(work, { "capture", "--from-evidence", bundle, "-o", work .. "/twin.lua" }, { json = false })
    t.eq(res.rc, 0, "replay of a bundle with missing items")
    t.check((t.read(work .. "/twin.lua") or ""):find('name = "Corp-QM"', 1, true), "the twin has Corp-QM")
  end,
}
