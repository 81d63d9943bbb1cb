-- --dry-run on the simulator: the same plan and report as the real run (all but dry_run and the
-- backup file's time stamp), and the state file byte-for-byte unchanged.
local function shape(t, r)
  local out = { r.outcome }
  for _, p in ipairs(r.policies) do
    out[#out + 1] = table.concat({ p.name, tostring(p.before), tostring(p.after), p.outcome, tostring(p.rung) }, "|")
    for _, s in ipairs(p.steps or {}) do
      local msg = tostring(s.message):gsub("%d+T%d+Z", "TIME")
      out[#out + 1] = table.concat({ "  ", tostring(s.rung), tostring(s.action), tostring(s.ok), msg }, "|")
    end
  end
  for _, s in ipairs(r.steps or {}) do
    out[#out + 1] = table.concat({ "run", tostring(s.rung), tostring(s.action), tostring(s.ok) }, "|")
  end
  local keys = {}
  for k in pairs(r.actions) do keys[#keys + 1] = k end
  table.sort(keys)
  for _, k in ipairs(keys) do out[#out + 1] = k .. "=" .. tostring(r.actions[k]) end
  for _, a in ipairs(r.advice) do out[#out + 1] = (a:gsub("%d+T%d+Z", "TIME")) end
  return table.concat(out, "\n")
end

return {
  scenario = "tests/e2e/scenarios/many_blockers.lua",
  test = function(t, work)
    local before = t.read(work .. "/state.lua")
    local dry = t.mend(work, { "fix", "--allow", "all", "--dry-run" })
    t.expect(dry, { exit = 0, outcome = "fixed" }, "dry run")
    t.eq(dry.report and dry.report.dry_run, true, "dry_run flag in the dry run's report")
    t.check(t.read(work .. "/state.lua") == before, "the dry run changed the state file")
    t.check(#t.listdir(work .. "/state/backups") == 0, "the dry run wrote a backup file")
    t.check(not t.exists(work .. "/state/journal.jsonl"), "the dry run wrote a journal")
    local real = t.mend(work, { "fix", "--allow", "all" })
    t.expect(real, { exit = 0, outcome = "fixed" }, "real run")
    if dry.report and real.report then
      local a, b = shape(t, dry.report), shape(t, real.report)
      t.check(a == b, "dry-run report differs from the real one:\n--- dry\n%s\n--- real\n%s", a, b)
    end
    t.check(t.read(work .. "/state.lua") ~= before, "the real run should have changed the state")
  end,
}
