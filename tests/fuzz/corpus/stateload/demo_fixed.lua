return {
  settings = { clock = 1767225600.0009999, delete_window = 4, admin = true, os = "Windows Server 2022 Datacenter (simulated)" },
  runtime = { boot_count = 1, next_pid = 4288, delete_window = {
    { name = "Branch-Office-QM", ends = 1767225604.0009999 },
    { name = "Corp-QM", ends = 1767225604.0009999 },
    { name = "DMZ-Offload", ends = 1767225604.0009999 },
    { name = "VPN-Tunnel", ends = 1767225604.0009999 },
  } },
  policies = {
    { name = "Server-Isolation", guid = "{df8755dc-b325-5c91-a870-7102cc214a67}", description = "Domain isolation (in use)", state = "active", assigned = true, sa_count = 12 },
  },
  services = {
    ["BFE"] = { display_name = "Base Filtering Engine", state = "running", start_type = "auto", pid = 4244, depends_on = { "RpcSs" } },
    ["gpsvc"] = { display_name = "Group Policy Client", state = "running", start_type = "auto", pid = 4248, depends_on = { "RpcSs" } },
    ["IKEEXT"] = { display_name = "IKE and AuthIP IPsec Keying Modules", state = "running", start_type = "auto", pid = 4252, depends_on = { "BFE" } },
    ["mpssvc"] = { display_name = "Windows Defender Firewall", state = "running", start_type = "auto", pid = 4256, depends_on = { "BFE" } },
    ["PolicyAgent"] = { display_name = "IPsec Policy Agent", state = "running", start_type = "auto", pid = 4280, depends_on = { "RpcSs", "Tcpip" } },
    ["RpcEptMapper"] = { display_name = "RPC Endpoint Mapper", state = "running", start_type = "auto", pid = 4264, depends_on = {} },
    ["RpcSs"] = { display_name = "Remote Procedure Call (RPC)", state = "running", start_type = "auto", pid = 4268, depends_on = { "RpcEptMapper" } },
    ["Tcpip"] = { display_name = "TCP/IP Protocol Driver", state = "running", start_type = "boot", pid = 4272, depends_on = {} },
    ["VpnAgent"] = { display_name = "Contoso VPN Agent", state = "running", start_type = "auto", pid = 4284, depends_on = { "PolicyAgent" } },
  },
  processes = {
    { pid = 4, ppid = 0, name = "System" },
    { pid = 388, ppid = 4, name = "smss.exe", path = "C:\\Windows\\System32\\smss.exe" },
    { pid = 512, ppid = 500, name = "csrss.exe", path = "C:\\Windows\\System32\\csrss.exe" },
    { pid = 596, ppid = 500, name = "wininit.exe", path = "C:\\Windows\\System32\\wininit.exe" },
    { pid = 676, ppid = 596, name = "services.exe", path = "C:\\Windows\\System32\\services.exe" },
    { pid = 700, ppid = 596, name = "lsass.exe", path = "C:\\Windows\\System32\\lsass.exe" },
    { pid = 1216, ppid = 676, name = "svchost.exe", path = "C:\\Windows\\System32\\svchost.exe" },
    { pid = 3120, ppid = 3000, name = "explorer.exe", path = "C:\\Windows\\explorer.exe" },
  },
  handles = {
    { pid = 700, policy = "Server-Isolation", handle = 0x4, access = 0x20019 },
    { pid = 700, type = "Key", name = "\\REGISTRY\\MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Local\\ipsecPolicy{8523da67-cce1-5f6a-b17b-4f69c84e57bb}", handle = 0x8, access = 0x20019 },
  },
  nics = {
    { name = "Ethernet0", description = "Intel(R) Ethernet Server Adapter I350-T4", ipsec_offload = false, keywords = { ["*IPsecOffloadV1IPv4"] = 0, ["*IPsecOffloadV2"] = 0, ["*IPsecOffloadV2IPv4"] = 0, } },
    { name = "Ethernet1", description = "Intel(R) Ethernet Server Adapter I350-T4 #2", ipsec_offload = false, keywords = { ["*IPsecOffloadV1IPv4"] = 0, ["*IPsecOffloadV2"] = 0, ["*IPsecOffloadV2IPv4"] = 0, } },
  },
  registry = {
    ["HKLM\\SOFTWARE\\Contoso"] = { },
    ["HKLM\\SOFTWARE\\Contoso\\VPN"] = { ["InstallDir"] = "C:\\Program Files\\Contoso VPN", ["Version"] = 7, },
    ["HKLM\\SOFTWARE\\mend"] = { },
    ["HKLM\\SOFTWARE\\mend\\NicOffload"] = { },
    ["HKLM\\SOFTWARE\\mend\\NicOffload\\{a2d5405b-ce59-5c0f-a5ae-1d69be191939}"] = { ["*IPsecOffloadV1IPv4"] = "3", ["*IPsecOffloadV2"] = "3", ["*IPsecOffloadV2IPv4"] = "3", ["Adapter"] = "Ethernet0", },
  },
  faults = {
  },
}
