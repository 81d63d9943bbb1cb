-- Rung restart: the PolicyAgent restart for policies gone from the store but in its memory.

return {
  name = "restart",
  tells = "For the policies whose delete said \"The system cannot find the file specified\" (0x2): gone "
       .. "from the store, still in the Policy Agent's memory. Restarts PolicyAgent so it rebuilds its "
       .. "table from the store; the services that depend on it (a VPN agent) are stopped first and started "
       .. "again after it. A PolicyAgent restart needs no `service` gate, and a run makes at most one.",
  when = "stale",
  act = function(ctx, set)
    ctx:want("restart", set, "only in its memory")
  end,
}
