-- Combination: stale in PolicyAgent's table and pinned by an offloading NIC. delete answers
-- in_use (the offload check comes first), not 0x2, so the symptom hides the stale entry; a
-- PolicyAgent restart rebuilds the table from the store and the entry is gone. The NIC still
-- offloads, which `mend check` should advise about.
return {
  policies = { { name = "Corp-QM", state = "pending_deletion", blockers = { "stale_memory", "nic_offload" } } },
  nics = { { name = "Ethernet0", ipsec_offload = true } },
}
