-- Blocker row "nic_offload": in_use again after a restart; needs --allow nic; then offload off,
-- the adapter restarted so it takes effect (its link drops), one PolicyAgent restart, delete.
-- offload.lua "on" then restores exactly the keyword values the adapter had. check's command
-- allows nic as well as service.
local function nic(t, work, name)
  for _, n in ipairs(t.load_state(work .. "/state.lua").nics) do
    if n.name == name then return n end
  end
end

return {
  scenario_text = [[
return {
  policies = { { name = "Corp-QM", state = "pending_deletion", sa_count = 2, blockers = { "nic_offload" } } },
  nics = { { name = "Ethernet0", keywords = { ["*IPsecOffloadV1IPv4"] = 3, ["*IPsecOffloadV2"] = 1 } },
           { name = "Ethernet1", ipsec_offload = false } },
}]],
  runs = {
    -- check sees the SPD's SAs; with offload on and nothing else in the way they may be the
    -- adapter's, so its command allows nic too (--allow service alone would leave it blocked).
    { args = { "check", "Corp-QM" }, exit = 1,
      advice = { "those SAs may be the adapter's", 'mend fix "Corp-QM" --allow nic,service' } },
    { args = { "fix", "Corp-QM" }, exit = 1,
      policies = { ["Corp-QM"] = { outcome = "blocked" } },
      actions = { offload_changes = 0, adapter_restarts = 0, reboots = 0 },
      advice_first = 'mend fix "Corp-QM" --allow nic',
      advice = { "Ethernet0", "link drops" } },
    { args = { "fix", "Corp-QM", "--allow", "nic" }, exit = 0, outcome = "fixed",
      policies = { ["Corp-QM"] = { outcome = "fixed", rung = "offload" } },
      actions = { offload_changes = 1, adapter_restarts = 1, reboots = 0 },
      advice = { "scripts/offload.lua on" },
      stderr = { "its link drops for a few seconds" },
      check = function(t, res, work)
        t.check(res.stdout:find('"nic.restart_adapter"', 1, true) ~= nil, "no nic.restart_adapter step")
        local n = nic(t, work, "Ethernet0")
        t.check(not n.ipsec_offload, "Ethernet0 still offloads IPsec")
        t.eq(n.keywords["*IPsecOffloadV1IPv4"], 0, "V1IPv4 after off")
        t.eq(n.keywords["*IPsecOffloadV2"], 0, "V2 after off")
        t.eq(n.keywords["*IPsecOffloadV2IPv4"], nil, "the absent keyword is not created")
        -- turning it on again puts back 3 and 1, and the absent keyword stays absent
        local on = t.mend(work, { "run", "--allow", "nic", t.SRC .. "/scripts/offload.lua", "on" })
        t.expect(on, { exit = 0, actions = { offload_changes = 1, adapter_restarts = 1 } }, "offload.lua on")
        n = nic(t, work, "Ethernet0")
        t.check(n.ipsec_offload, "Ethernet0 offload not back on")
        t.eq(n.keywords["*IPsecOffloadV1IPv4"], 3, "V1IPv4 restored")
        t.eq(n.keywords["*IPsecOffloadV2"], 1, "V2 restored")
        t.eq(n.keywords["*IPsecOffloadV2IPv4"], nil, "the absent keyword stays absent")
      end },
  },
}
