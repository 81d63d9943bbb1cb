-- A name a list file cannot hold (a line break in it, or a blank or # at its start: the batch
-- list splits, trims and skips those) is never sent to `mend batch policies.txt`; the advice
-- offers --all-pending, which reaches it, and that command fixes it as pasted.
local NL, TAB = "two\nlines", "\tleading tab"
return {
  scenario_text = [[
return {
  policies = { { name = "two\nlines", state = "pending_deletion" },
               { name = "\tleading tab", state = "pending_deletion" } },
  processes = { { pid = 4, name = "System" }, { pid = 4242, name = "vpnagent.exe", autostart = false } },
  handles = { { pid = 4242, policy = "two\nlines" }, { pid = 4242, policy = "\tleading tab" } },
}]],
  runs = {
    { args = { "fix", NL, TAB }, exit = 1,
      policies = { [NL] = { outcome = "blocked" }, [TAB] = { outcome = "blocked" } },
      advice = { "mend fix --all-pending --allow kill" },
      check = function(t, res)
        for _, a in ipairs(res.report.advice) do
          t.check(not a:find("mend batch", 1, true), "advice sends an unlistable name to a list file: %s", a)
        end
      end },
    { args = { "check", NL }, exit = 1,
      check = function(t, res)
        for _, a in ipairs(res.report.advice) do
          t.check(not a:find("mend batch", 1, true), "check's advice sends it to a list file: %s", a)
        end
      end },
    -- The advised command, as pasted, fixes both.
    { args = { "fix", "--all-pending", "--allow", "kill" }, exit = 0,
      policies = { [NL] = { outcome = "fixed" }, [TAB] = { outcome = "fixed" } } },
  },
}
