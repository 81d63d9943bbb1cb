-- 1,000 stuck policies, every blocker row mixed in; one VPN client holds 100 of them, one is assigned.
local policies, handles = {}, {}
local kinds = { {}, { "gpo_cache" }, { "stale_memory" }, "held", { "nic_offload" }, { "store_corrupt" },
                { "driver_state" }, { "stale_memory", "gpo_cache" } }
for i = 1, 1000 do
  local name = string.format("Bulk-QM-%04d", i)
  local kind = kinds[(i - 1) % #kinds + 1]
  local p = { name = name, state = "pending_deletion" }
  if kind == "held" then
    p.blockers = {}
    handles[#handles + 1] = { pid = 4242, policy = name }
  else
    p.blockers = kind
  end
  if i == 1000 then p.blockers = {}; p.assigned = true end
  policies[#policies + 1] = p
end
return {
  policies = policies,
  processes = { { pid = 4, name = "System" }, { pid = 700, name = "lsass.exe" },
                { pid = 4242, name = "vpnagent.exe", autostart = false } },
  handles = handles,
  nics = { { name = "Ethernet0", ipsec_offload = true } },
}
