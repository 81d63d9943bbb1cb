-- A run killed at any action (faults.crash_after = k: the process dies right after its k-th
-- action, as under kill -9) followed by `mend fix --resume` ends as the uninterrupted run does:
-- every stuck policy fixed, the healthy one kept, and nothing called fixed that was not stuck.
return {
  test = function(t, work)
    local base = t.read(t.SRC .. "/tests/e2e/scenarios/many_blockers.lua")
    local stuck = t.pending_in(t.SRC .. "/tests/e2e/scenarios/many_blockers.lua")
    local args = { "fix", "--allow", "all" }
    for _, n in ipairs(stuck) do args[#args + 1] = n end
    args[#args + 1] = "Typo-QM"
    -- The uninterrupted run, for comparison.
    t.write(work .. "/state.lua", base)
    os.execute("rm -rf " .. t.shq(work .. "/state"))
    local clean = t.mend(work, args)
    t.expect(clean, { exit = 1, outcome = "not_found" }, "uninterrupted")   -- Typo-QM
    local want = {}
    for _, p in ipairs(clean.report and clean.report.policies or {}) do want[p.name] = p.outcome end
    local resume = { "fix", "--resume", "--allow", "all" }
    for i = 4, #args do resume[#resume + 1] = args[i] end
    local k, crashes = 1, 0
    while k <= 200 do
      os.execute("rm -rf " .. t.shq(work .. "/state") .. " && mkdir -p " .. t.shq(work .. "/state"))
      t.write(work .. "/state.lua", (base:gsub("return {", "return {\n  faults = { crash_after = " .. k .. " },", 1)))
      local first = t.mend(work, args)
      if first.rc ~= 137 then break end   -- k is past the last action: the run finished
      crashes = crashes + 1
      local again = t.mend(work, resume)
      t.expect(again, { exit = 1, outcome = "not_found" }, "--resume after a kill at action " .. k)
      for _, p in ipairs(again.report and again.report.policies or {}) do
        t.check(p.outcome == want[p.name], "kill at %d: --resume left %s %s, the uninterrupted run %s", k,
                p.name, p.outcome, tostring(want[p.name]))
      end
      local st = t.load_state(work .. "/state.lua")
      for _, name in ipairs(stuck) do
        t.check(t.state_policy(st, name) == nil, "kill at %d: %s is still there after --resume", k, name)
      end
      t.check(t.state_policy(st, "Server-Active") ~= nil, "kill at %d: Server-Active was lost", k)
      k = k + 1
    end
    t.check(crashes >= 20, "only %d kill points: the issue asks for 20 or more", crashes)
    print(string.format("crash_then_resume: %d kill points, each followed by --resume", crashes))
  end,
}
