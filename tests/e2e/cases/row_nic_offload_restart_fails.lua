-- nic_offload when the adapter cannot be restarted (access denied): the keywords are written but
-- not in effect, so the run does not claim the change worked; its advice says how to restart the
-- adapter, and only a reboot (which starts every adapter with its keywords) then clears the policy.
return {
  scenario_text = [[
return {
  policies = { { name = "Corp-QM", state = "pending_deletion", sa_count = 2, blockers = { "nic_offload" } } },
  nics = { { name = "Ethernet0", ipsec_offload = true } },
  faults = { access_denied = { "nic.restart_adapter" } },
}]],
  runs = {
    { args = { "fix", "Corp-QM", "--allow", "nic" }, exit = 3, outcome = "reboot_required",
      actions = { offload_changes = 1, adapter_restarts = 0, service_restarts = 0 },
      advice = { "was changed, but the adapter was not restarted", "Restart-NetAdapter -Name \"Ethernet0\"" },
      check = function(t, res, work)
        for _, n in ipairs(t.load_state(work .. "/state.lua").nics) do
          t.check(n.ipsec_offload, "%s: offload should still be in effect without a restart", n.name)
          t.eq(n.keywords["*IPsecOffloadV2"], 0, "the keyword is written")
        end
      end },
    { args = { "fix", "Corp-QM", "--allow", "nic,reboot" }, exit = 0, outcome = "fixed",
      actions = { reboots = 1 },
      check = function(t, res, work)
        for _, n in ipairs(t.load_state(work .. "/state.lua").nics) do
          t.check(not n.ipsec_offload, "%s: the reboot should have put offload off in effect", n.name)
        end
      end },
  },
}
