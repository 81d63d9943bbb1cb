-- Above ten stuck policies, `mend check` and `mend fix` both advise one line per kind (the same
-- grouping, scripts/lib/advice.lua), each with its count, its first three names and the one
-- command for all of them; an admin with 1,000 policies reads a handful of lines, not 1,000.
local function count_groups(t, res, label, max_lines)
  local n = #(res.report and res.report.advice or {})
  t.check(n >= 2 and n <= max_lines, "[%s] %d advice lines for 1,000 policies, want 2 to %d", label, n, max_lines)
end

return {
  scenario = "tests/e2e/scenarios/mixed_1000.lua",
  runs = {
    { args = { "check" }, exit = 1, outcome = "failed",
      advice = {
        "625 policies are pending deletion with no visible blocker (first: Bulk-QM-0001, Bulk-QM-0002, "
          .. "Bulk-QM-0005). Fix them all: mend fix --all-pending",
        "249 policies are pending deletion with blockers stale_memory (first: Bulk-QM-0003, Bulk-QM-0008, "
          .. "Bulk-QM-0011). Fix them all: mend fix --all-pending",
        "125 policies are pending deletion with blockers holder (first: Bulk-QM-0004, Bulk-QM-0012, "
          .. "Bulk-QM-0020). Fix them all: mend fix --all-pending --allow kill",
        "1 policy is pending deletion with blockers assigned (first: Bulk-QM-1000). Fix them all: mend fix --all-pending",
        "To fix everything found: mend fix --all-pending --allow kill,nic",
      },
      check = function(t, res) count_groups(t, res, "check", 6) end },
    { args = { "fix", "--dry-run" }, exit = 1,
      advice = {
        "125 policies are blocked: they need --allow kill, which was not given (first: Bulk-QM-0004, "
          .. "Bulk-QM-0012, Bulk-QM-0020). To allow it for every policy pending deletion: mend fix --all-pending --allow kill",
        "250 policies are blocked: they need --allow nic, which was not given (first: Bulk-QM-0005, "
          .. "Bulk-QM-0007, Bulk-QM-0013). To allow it for every policy pending deletion: mend fix --all-pending --allow nic",
      },
      check = function(t, res) count_groups(t, res, "fix --dry-run", 6) end },
  },
}
