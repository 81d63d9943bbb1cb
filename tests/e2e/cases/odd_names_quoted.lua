-- Names with quotes, spaces, shell characters and Unicode survive the whole ladder, and the
-- advice quotes them so the command can be pasted into a shell.
return {
  scenario_text = [[
return {
  policies = { { name = 'Corp "Main" QM', state = "pending_deletion" },
               { name = "Zürich Büro 東京", state = "pending_deletion" },
               { name = "O'Brien $HOME", state = "pending_deletion" } },
  processes = { { pid = 4, name = "System" }, { pid = 4242, name = "FortiClient.exe", autostart = false } },
  handles = { { pid = 4242, policy = 'Corp "Main" QM' }, { pid = 4242, policy = "Zürich Büro 東京" },
              { pid = 4242, policy = "O'Brien $HOME" } },
}]],
  runs = {
    { args = { "fix", 'Corp "Main" QM', "Zürich Büro 東京", "O'Brien $HOME" }, exit = 1,
      policies = { ['Corp "Main" QM'] = { outcome = "blocked" }, ["Zürich Büro 東京"] = { outcome = "blocked" },
                   ["O'Brien $HOME"] = { outcome = "blocked" } },
      advice = { [[mend fix 'Corp "Main" QM' --allow kill]], [[mend fix "Zürich Büro 東京" --allow kill]],
                 [[mend fix 'O'\''Brien $HOME' --allow kill]] } },
    -- One process holds all three: stopped once.
    { args = { "fix", 'Corp "Main" QM', "Zürich Büro 東京", "O'Brien $HOME", "--allow", "kill" }, exit = 0,
      outcome = "fixed", actions = { kills = 1, deletes = 3 } },
  },
}
