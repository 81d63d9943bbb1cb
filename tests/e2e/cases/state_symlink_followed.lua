-- A state file reached through a symbolic link is the file it points at: the run locks and
-- saves the target (one lock, one state, whichever name a run was given) and the link stays a link.
return {
  scenario_text = [[
return { policies = { { name = "Corp-QM", state = "pending_deletion" } } }]],
  test = function(t, work)
    local real = work .. "/state.lua"
    local link = work .. "/link.lua"
    os.execute("ln -s " .. t.shq(real) .. " " .. t.shq(link))
    local res = t.mend(work, { "fix", "Corp-QM", "--host", "sim:" .. link }, { host = false })
    t.eq(res.rc, 0, "exit code")
    local p = io.popen("find " .. t.shq(link) .. " -type l")
    t.eq(p:read("l"), link, "the link is still a link")
    p:close()
    t.eq(#(t.load_state(real).policies or {}), 0, "the target holds the fixed state")
    t.check(not t.exists(link .. ".lock"), "no lock beside the link")
  end,
}
