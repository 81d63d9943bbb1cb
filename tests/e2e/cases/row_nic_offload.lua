-- Blocker row "nic_offload": in_use again after a restart; needs --allow nic; then offload off,
-- one restart, delete.
return {
  scenario_text = [[
return {
  policies = { { name = "Corp-QM", state = "pending_deletion", sa_count = 2, blockers = { "nic_offload" } } },
  nics = { { name = "Ethernet0", ipsec_offload = true }, { name = "Ethernet1", ipsec_offload = false } },
}]],
  runs = {
    { args = { "fix", "Corp-QM" }, exit = 1,
      policies = { ["Corp-QM"] = { outcome = "blocked" } },
      actions = { offload_changes = 0, reboots = 0 },
      advice_first = 'mend fix "Corp-QM" --allow nic',
      advice = { "Ethernet0" } },
    { args = { "fix", "Corp-QM", "--allow", "nic" }, exit = 0, outcome = "fixed",
      policies = { ["Corp-QM"] = { outcome = "fixed", rung = "offload" } },
      actions = { offload_changes = 1, reboots = 0 },
      check = function(t, res, work)
        for _, n in ipairs(t.load_state(work .. "/state.lua").nics) do
          t.check(not n.ipsec_offload, "%s still offloads IPsec", n.name)
        end
      end },
  },
}
