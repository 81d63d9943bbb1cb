-- N policies stuck pending deletion, a sixth each with no blocker (a missed purge), a group-policy
-- cache, a stale Policy Agent entry, a VPN client holding its store key, an offloading NIC and a
-- corrupt store entry; a healthy assigned policy beside them. bench/scale.sh sets N.
local N = 10000
local kinds = { {}, { "gpo_cache" }, { "stale_memory" }, {}, { "nic_offload" }, { "store_corrupt" } }
local policies, handles = {}, {}
for i = 1, N do
  local k = (i - 1) % #kinds + 1
  local name = string.format("Mix-QM-%06d", i)
  policies[i] = { name = name, state = "pending_deletion", blockers = kinds[k] }
  if k == 4 then handles[#handles + 1] = { pid = 4242, policy = name } end
end
policies[#policies + 1] = { name = "Server-Isolation", state = "active", assigned = true }
handles[#handles + 1] = { pid = 700, policy = "Server-Isolation" }
return {
  policies = policies,
  processes = { { pid = 4, name = "System" }, { pid = 700, name = "lsass.exe" },
                { pid = 4242, name = "vpnagent.exe", autostart = false } },
  handles = handles,
  nics = { { name = "Ethernet0", ipsec_offload = true } },
}
