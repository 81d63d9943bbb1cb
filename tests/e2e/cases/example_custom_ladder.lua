-- scripts/examples/custom_ladder.lua: the driver with a custom order and a rung of its own,
-- loaded from its own file (scripts/examples/rungs/settle.lua: its step shows it ran); what
-- needs a rung it left out (reboot) ends failed, and no reboot happens even with --allow all.
return {
  scenario_text = [[
return {
  policies = { { name = "Held-QM", state = "pending_deletion" },
               { name = "Gpo-QM", state = "pending_deletion", blockers = { "gpo_cache" } },
               { name = "Driver-QM", state = "pending_deletion", blockers = { "driver_state" } } },
  processes = { { pid = 4, name = "System" }, { pid = 4242, name = "ZSATunnel.exe", autostart = false } },
  handles = { { pid = 4242, policy = "Held-QM" } },
}]],
  runs = {
    { args = { "run", "--allow", "all", os.getenv("MEND_SOURCE_DIR") .. "/scripts/examples/custom_ladder.lua" }, exit = 1,
      policies = { ["Held-QM"] = { outcome = "fixed", rung = "handle_check" },
                   ["Gpo-QM"] = { outcome = "fixed", rung = "gpupdate" },
                   ["Driver-QM"] = { outcome = "failed" } },
      actions = { reboots = 0, kills = 1, gpupdates = 1 },
      stderr = { "[settle] sys.sleep ok" } },
  },
}
