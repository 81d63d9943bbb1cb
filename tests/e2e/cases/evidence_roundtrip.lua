-- mend capture --evidence is read-only (state file, journal and counters untouched) and its
-- bundle replays: the twin built by --from-evidence gives the same check answer as the machine,
-- and every file the manifest lists matches its sha256; the missing event-log item says why.
local json_lib = dofile(os.getenv("MEND_SOURCE_DIR") .. "/scripts/lib/json.lua")
local ZERO = { deletes = 0, gpupdates = 0, service_restarts = 0, service_starts = 0, reboots = 0, kills = 0,
               registry_deletes = 0, unassigns = 0, offload_changes = 0, adapter_restarts = 0 }
return {
  scenario = "tests/e2e/scenarios/many_blockers.lua",
  test = function(t, work)
    local before = t.normalize(work)
    local bundle = work .. "/bundle"
    local journal = t.read(work .. "/state/journal.jsonl")
    local res = t.mend(work, { "capture", "--evidence", bundle })
    t.expect(res, { exit = 0, actions = ZERO }, "capture --evidence")
    t.check(t.read(work .. "/state.lua") == before, "capture --evidence changed the state file")
    t.check(t.read(work .. "/state/journal.jsonl") == journal, "capture --evidence wrote to the journal")

    local manifest = json_lib.decode(t.read(bundle .. "/manifest.json") or "")
    if not t.check(type(manifest) == "table", "no manifest.json in the bundle") then return end
    t.eq(manifest.format, "mend-evidence/1", "manifest format")
    t.eq(manifest.host, "sim", "manifest host")
    t.check(tostring(manifest.time_utc):match("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%dZ$"), "time_utc %s", tostring(manifest.time_utc))
    local by = {}
    for _, f in ipairs(manifest.files) do by[f.name] = f end
    for _, name in ipairs{ "store.reg", "policies.json", "spd-qm-policies.json", "spd-filters.json", "spd-sas.json",
                           "netsh-static.txt", "netsh-dynamic.txt", "services.json", "nics.json", "handles.json" } do
      local f = by[name]
      if t.check(f and f.collected, "%s not collected: %s", name, f and tostring(f.reason) or "not listed") then
        local p = io.popen("sha256sum " .. t.shq(bundle .. "/" .. name))
        local sum = p:read("l") or ""
        p:close()
        t.eq(sum:match("^%x+"), f.sha256, name .. " sha256")
        t.check(type(f.holds) == "string" and #f.holds > 10, "%s says what it holds", name)
      end
    end
    t.check(by["events.json"] and by["events.json"].collected ~= false, "events.json is collected (the events module)")
    t.check(t.exists(bundle .. "/events.json"), "the event log's recent IPsec events are in the bundle")
    t.check((t.read(bundle .. "/netsh-static.txt") or ""):find("Policy Name            : QM-Held", 1, true),
            "netsh-static.txt lists the store's policies")
    t.check((t.read(bundle .. "/netsh-dynamic.txt") or ""):find("Quick Mode Policy", 1, true),
            "netsh-dynamic.txt lists the SPD")

    -- Replay: the twin answers mend check as the machine does.
    local twin = work .. "/twin.lua"
    res = t.mend(work, { "capture", "--from-evidence", bundle, "-o", twin }, { json = false })
    t.check(res.rc == 0, "capture --from-evidence exit %d\n%s", res.rc, res.stderr)
    local want = t.mend(work, { "check" })
    t.write(work .. "/machine.lua", t.read(work .. "/state.lua"))
    t.write(work .. "/state.lua", t.read(twin) or "")
    local got = t.mend(work, { "check" })
    t.eq(got.rc, want.rc, "check exit code on the twin")
    if t.check(got.report and want.report, "both checks report") then
      t.eq(#got.report.policies, #want.report.policies, "policies checked on the twin")
      for _, p in ipairs(want.report.policies) do
        local q = t.policy(got.report, p.name)
        t.check(q and q.outcome == p.outcome and q.before == p.before, "%s: twin says %s/%s, machine %s/%s", p.name,
                q and q.outcome, q and q.before, p.outcome, p.before)
      end
      t.eq(table.concat(got.report.advice, "\n"), table.concat(want.report.advice, "\n"), "check advice on the twin")
    end
  end,
}
