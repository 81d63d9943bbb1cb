-- A bundle written by hand from docs/evidence.md replays through the readers: policies from
-- store.reg as the Windows host reads the store (assignment, Group Policy's cache and its GPO),
-- their state and SAs from the SPD files; the twin's check finds the stuck one.
local BUNDLE = os.getenv("MEND_SOURCE_DIR") .. "/tests/evidence/hand-corp"
return {
  test = function(t, work)
    local twin = work .. "/twin.lua"
    local res = t.mend(work, { "capture", "--from-evidence", BUNDLE, "-o", twin }, { json = false, host = false })
    t.eq(res.rc, 0, "capture --from-evidence exit code")
    t.check(res.stderr:find("policies read from store.reg", 1, true), "the twin says where its policies came from:\n%s",
            res.stderr)
    t.check(not res.stderr:find("does not match its sha256", 1, true), "the manifest's sums are the files':\n%s",
            res.stderr)
    local state = t.load_state(twin)
    local by = {}
    for _, p in ipairs(state.policies or {}) do by[p.name] = p end
    local corp, srv, gpo = by["Corp-QM"] or {}, by["Server-Isolation"] or {}, by["GPO-QM"] or {}
    t.eq(corp.state, "pending_deletion", "Corp-QM state (its quick-mode policy is pending deletion)")
    t.eq(corp.sa_count, 1, "Corp-QM SAs")
    t.eq(corp.assigned, false, "Corp-QM assigned")
    t.eq(srv.state, "active", "Server-Isolation state")
    t.eq(srv.assigned, true, "Server-Isolation assigned (ActivePolicy)")
    t.eq(srv.sa_count, 2, "Server-Isolation SAs")
    t.eq(gpo.source, "gpo", "GPO-QM source")
    t.eq(gpo.gpo, "Corp IPsec GPO", "GPO-QM's GPO (GPOName)")
    t.eq(state.services and state.services.PolicyAgent and state.services.PolicyAgent.start_type, "demand",
         "PolicyAgent from services.json")
    t.eq(state.nics and state.nics[1] and state.nics[1].name, "Ethernet0", "NIC from nics.json")
    os.rename(twin, work .. "/state.lua")
    t.expect(t.mend(work, { "check" }), { exit = 1, count = 1,
      policies = { ["Corp-QM"] = { before = "pending_deletion" } } }, "check of the hand bundle's twin")

    -- A file changed after the manifest was written is said, not trusted silently.
    local copy = work .. "/copy"
    os.execute("cp -r " .. t.shq(BUNDLE) .. " " .. t.shq(copy))
    t.write(copy .. "/nics.json", '[ { "name": "Ethernet9", "ipsec_offload": true } ]\n')
    res = t.mend(work, { "capture", "--from-evidence", copy, "-o", work .. "/twin2.lua" }, { json = false, host = false })
    t.eq(res.rc, 0, "replay of an edited bundle")
    t.check(res.stderr:find("nics.json does not match its sha256", 1, true), "the edit is reported:\n%s", res.stderr)
    t.check((t.read(work .. "/twin2.lua") or ""):find("nics.json does not match its sha256", 1, true),
            "the twin's notes say so too")

    -- Not a bundle: a clear error, exit 2.
    res = t.mend(work, { "capture", "--from-evidence", work .. "/nowhere", "-o", work .. "/twin3.lua" },
                 { json = false, host = false })
    t.eq(res.rc, 2, "replay of a folder with no manifest")
    t.check(res.stderr:find("no manifest.json", 1, true), "the error says what is missing:\n%s", res.stderr)
  end,
}
