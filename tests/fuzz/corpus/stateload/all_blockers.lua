return {
  settings = { clock = 1767225600.0009999, delete_window = 4, admin = true },
  runtime = { boot_count = 1, next_pid = 4276 },
  policies = {
    { name = "QM-Assigned-Stale", guid = "{1d9e5004-f846-50e6-9161-a98ea2fce10e}", description = "", state = "pending_deletion", assigned = true, blockers = { "stale_memory" } },
    { name = "QM-Corrupt", guid = "{bed97476-6e30-5d7b-b3ac-555484848b47}", description = "", state = "pending_deletion", blockers = { "store_corrupt" } },
    { name = "QM-Corrupt-Gpo", guid = "{c011d537-66b7-5494-8d3b-db5447b59bb5}", description = "", state = "pending_deletion", blockers = { "gpo_cache", "store_corrupt" } },
    { name = "QM-Driver", guid = "{f3c5ffc3-9ca7-581d-8546-e48fac529f5e}", description = "", state = "pending_deletion", blockers = { "driver_state" } },
    { name = "QM-Gpo", guid = "{920ad492-508a-5e46-a096-902bca72cdc5}", description = "", state = "pending_deletion", blockers = { "gpo_cache" } },
    { name = "QM-Held", guid = "{cdc9bf40-6ffb-579f-84b8-af5ab48e5119}", description = "", state = "pending_deletion", sa_count = 1 },
    { name = "QM-Held-Gpo", guid = "{4bdd99e6-a0e7-50ff-99df-ad9ab18ee7a3}", description = "", state = "pending_deletion", blockers = { "gpo_cache" } },
    { name = "QM-Offload", guid = "{a1565f34-57d3-5a49-bc62-1b25d254c2c8}", description = "", state = "pending_deletion", blockers = { "nic_offload" } },
    { name = "QM-Offload-Stale", guid = "{7ae3cb48-7717-56bd-8aca-3d26cac552a0}", description = "", state = "pending_deletion", blockers = { "nic_offload", "stale_memory" } },
    { name = "QM-Stale", guid = "{b89c0174-a113-5d7e-8798-5fb78480de05}", description = "", state = "pending_deletion", blockers = { "stale_memory" } },
    { name = "Server-Isolation", guid = "{df8755dc-b325-5c91-a870-7102cc214a67}", description = "", state = "active", sa_count = 8 },
  },
  services = {
    ["BFE"] = { display_name = "Base Filtering Engine", state = "running", start_type = "auto", pid = 4244, depends_on = { "RpcSs" } },
    ["gpsvc"] = { display_name = "Group Policy Client", state = "running", start_type = "auto", pid = 4248, depends_on = { "RpcSs" } },
    ["IKEEXT"] = { display_name = "IKE and AuthIP IPsec Keying Modules", state = "running", start_type = "auto", pid = 4252, depends_on = { "BFE" } },
    ["mpssvc"] = { display_name = "Windows Defender Firewall", state = "running", start_type = "auto", pid = 4256, depends_on = { "BFE" } },
    ["PolicyAgent"] = { display_name = "IPsec Policy Agent", state = "running", start_type = "auto", pid = 4260, depends_on = { "RpcSs", "Tcpip" } },
    ["RpcEptMapper"] = { display_name = "RPC Endpoint Mapper", state = "running", start_type = "auto", pid = 4264, depends_on = {} },
    ["RpcSs"] = { display_name = "Remote Procedure Call (RPC)", state = "running", start_type = "auto", pid = 4268, depends_on = { "RpcEptMapper" } },
    ["Tcpip"] = { display_name = "TCP/IP Protocol Driver", state = "running", start_type = "boot", pid = 4272, depends_on = {} },
  },
  processes = {
    { pid = 4, ppid = 0, name = "System" },
    { pid = 700, ppid = 0, name = "lsass.exe" },
    { pid = 4242, ppid = 0, name = "vpnagent.exe", autostart = false },
  },
  handles = {
    { pid = 700, policy = "Server-Isolation", handle = 0x4, access = 0x20019 },
    { pid = 4242, policy = "QM-Held", handle = 0x4, access = 0x20019 },
    { pid = 4242, policy = "QM-Held-Gpo", handle = 0x8, access = 0x20019 },
  },
  nics = {
    { name = "Ethernet0", description = "", ipsec_offload = true, keywords = { ["*IPsecOffloadV1IPv4"] = 3, ["*IPsecOffloadV2"] = 3, ["*IPsecOffloadV2IPv4"] = 3, } },
  },
  registry = {
  },
  faults = {
  },
}
