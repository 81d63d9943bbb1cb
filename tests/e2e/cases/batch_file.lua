-- `mend batch FILE` and `mend batch -`: comments, blank lines, surrounding spaces, CRLF,
-- duplicates merged, unknown names not_found, odd names (quotes, spaces, '#', Unicode) intact.
local scenario = [[
return {
  policies = {
    { name = "Corp-QM", state = "pending_deletion" },
    { name = 'Branch "East" QM', state = "pending_deletion", blockers = { "gpo_cache" } },
    { name = "Zürich Büro 東京", state = "pending_deletion", blockers = { "stale_memory" } },
    { name = "QM #2", state = "pending_deletion" },
    { name = "Server-Isolation", state = "active", assigned = true },
  },
}]]
local list = table.concat({
  "# policies to clear after the VPN migration",
  "",
  "Corp-QM",
  "   Branch \"East\" QM   ",
  "Zürich Büro 東京\r",
  "QM #2",
  "Corp-QM",
  "  # indented comment",
  "No-Such-Policy",
  "Server-Isolation",
  "",
}, "\n")

local want = {
  -- A name that does not exist is a problem (a typo in the list): run outcome not_found, exit 1,
  -- and the advice offers the nearest names.
  exit = 1, outcome = "not_found", count = 6,
  advice = { "No policy is named No-Such-Policy" },
  policies = {
    ["Corp-QM"] = { outcome = "fixed", rung = "delete" },
    ['Branch "East" QM'] = { outcome = "fixed", rung = "gpupdate" },
    ["Zürich Büro 東京"] = { outcome = "fixed", rung = "restart" },
    ["QM #2"] = { outcome = "fixed", rung = "delete" },
    ["No-Such-Policy"] = { outcome = "not_found" },
    ["Server-Isolation"] = { outcome = "healthy" },
  },
  actions = { gpupdates = 1, service_restarts = 1, deletes = 3 },
}

return {
  scenario_text = scenario,
  setup = function(t, work) t.write(work .. "/list.txt", list) end,
  test = function(t, work)
    local res = t.mend(work, { "batch", work .. "/list.txt" })
    t.expect(res, want, "batch FILE")
    t.write(work .. "/state.lua", scenario)
    res = t.mend(work, { "batch", "-" }, { stdin = work .. "/list.txt" })
    t.expect(res, want, "batch -")
    local st = t.load_state(work .. "/state.lua")
    t.eq(#st.policies, 1, "policies left (Server-Isolation)")
    -- An empty list is a usage error, not "fix everything".
    t.write(work .. "/empty.txt", "# nothing here\n\n")
    res = t.mend(work, { "batch", work .. "/empty.txt" }, { json = false })
    t.eq(res.rc, 2, "exit code of an empty batch list")
  end,
}
