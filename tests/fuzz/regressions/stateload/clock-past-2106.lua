return {
  settings = { clock = 170000000065, delete_window = 4, admin = false, os = "W\t\"10\"" },
  runtime = { boot_count = 2, next_pid = 5000, guid_seed = "1f", delete_window = {
    { name = "Gone", ends = 1700000004 },
  } },
  policies = {
    { name = "A", guid = "{11111111-2222-3333-4444-555555555555}", description = "d\n\"q\"\195\169", state = "pending_deletion", blockers = { "gpo_cache", "spd_sas" }, delete_accepted = true, filter_list = "FL", filter_action = "FA" },
    { name = "B", guid = "{11111111-2222-3333-4444-555555555556}", description = "", state = "active", assigned = true, sa_count = 3 },
    { name = "C", guid = "{11111111-2222-3333-4444-555555555557}", description = "", state = "pending_deletion", source = "gpo", gpo = "Corp GPO", gpo_assigned = false },
    { name = "D", guid = "{11111111-2222-3333-4444-555555555558}", description = "", state = "pending_deletion", blockers = { "stale_memory" } },
  },
  services = {
    ["PolicyAgent"] = { display_name = "IPsec Policy Agent", state = "running", start_type = "auto", pid = 1500, depends_on = { "RpcSs" } },
    ["Vpn"] = { display_name = "V", state = "stopped", start_type = "demand", depends_on = {} },
  },
  processes = {
    { pid = 4, ppid = 0, name = "System" },
    { pid = 900, ppid = 4, name = "vpn.exe", path = "C:\\vpn.exe", autostart = false, ipsec_client = true },
    { pid = 901, ppid = 4, name = "x.exe", running = false, critical = true, protected = true },
  },
  handles = {
    { pid = 900, policy = "A", handle = 0x4, aÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿÿccess = 0x20019 },
    { pid = 900, type = "File", name = "\\Device\\x", handle = 0x8, access = 0x120089 },
  },
  nics = {
    { name = "Eth0", description = "N", ipsec_offload = true, keywords = { ["*IPsecOffloadV2"] = 3, } },
  },
  registry = {
    ["HKLM\\SOFTWARE\\x"] = { ["a"] = "s\000z", ["b"] = 7, ["c"] = { type = "REG_MULTI_SZ", data = { "one", "two", } }, ["d"] = { type = "REG_QWORD", data = -5 }, ["e"] = { type = "REG_BINARY", hex = "00ff" }, ["f"] = { type = 77, hex = "0102" }, ["g"] = { type = "REG_DWORD_BIG_ENDIAN", data = 305419896 }, ["h"] = { type = "REG_EXPAND_SZ", data = "%x%" }, ["i"] = false, },
    ["HKLM\\SYSTEM\\CurrentControlSet\\Services\\PolicyAgent"] = false,
  },
  faults = {
    ignore_stop = { "PolicyAgent" },
    accuss_denied = { "ipsec.delete" },
    unkillable = { "900" },
    crash_after = 3,
  },
  events = {
    { time = 1700000000, id = 5461, code = 13023, source = "S", policy = "A", message = "m" },
  },
}
