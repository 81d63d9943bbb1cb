-- Services that depend on others: the VPN agent and its tray on PolicyAgent (transitively), a
-- stopped dependent, one that cannot start again, and one whose dependency ignores stop.
return {
  services = {
    VpnAgent = { display_name = "Contoso VPN Agent", depends_on = { "PolicyAgent" } },
    VpnTray = { depends_on = { "VpnAgent" } },
    Watcher = { state = "stopped", start_type = "demand", depends_on = { "PolicyAgent" } },
    Broken = { depends_on = { "IKEEXT" } },
    Hang = { start_type = "demand" },
    HangChild = { start_type = "demand", depends_on = { "Hang" } },
  },
  faults = { access_denied = { "svc.start:Broken" }, ignore_stop = { "Hang" } },
}
