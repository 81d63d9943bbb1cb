-- --report, --plan and --journal naming one of mend's own files (the simulator's state, the
-- journal, the plan key, a backup, resume.json) are refused before anything runs, exit 2: a
-- slip of the option (`--report` for `--journal`) must not replace the machine's state or the
-- record of an interrupted run with a JSON report. A report beside them in the state folder is fine.
return {
  scenario_text = [[return { policies = { { name = "Corp-QM", state = "pending_deletion" } } }]],
  test = function(t, work)
    local state, dir = work .. "/state.lua", work .. "/state"
    -- The state folder as a run leaves it: journal, plan key, a backup.
    local res = t.mend(work, { "fix", "--dry-run", "--plan", work .. "/p.json" })
    t.eq(res.rc, 0, "the plan that makes the key")
    os.execute("mkdir -p " .. t.shq(dir .. "/backups"))
    t.write(dir .. "/backups/x.reg", "Windows Registry Editor Version 5.00\r\n")
    t.write(dir .. "/journal.jsonl", "")
    t.write(dir .. "/resume.json", "{}")
    local own = { state, dir .. "/journal.jsonl", dir .. "/plan.key", dir .. "/backups/x.reg", dir .. "/resume.json",
                  dir .. "/sim-state.lua", work .. "/./state.lua" }
    local before = {}
    for _, f in ipairs(own) do before[f] = t.read(f) end
    local function same(label)
      for _, f in ipairs(own) do
        t.check(t.read(f) == before[f], "%s: %s was changed", label, f)
      end
    end
    for _, f in ipairs(own) do
      for _, opt in ipairs{ "--report", "--plan", "--journal" } do
        if not (opt == "--journal" and f == dir .. "/journal.jsonl") then
          local args = { "fix", "Corp-QM", opt, f }
          if opt == "--plan" then table.insert(args, 2, "--dry-run") end
          res = t.mend(work, args)
          local label = opt .. " " .. f
          t.eq(res.rc, 2, label .. ": exit code")
          t.check(res.stderr:find("is mend's own", 1, true), "%s: stderr says why:\n%s", label, res.stderr)
          same(label)
        end
      end
    end
    res = t.mend(work, { "fix", "Corp-QM", "--report", dir .. "/last-report.json" })
    t.eq(res.rc, 0, "a report in the state folder")
    t.check(t.exists(dir .. "/last-report.json"), "the report beside mend's files is written")
  end,
}
