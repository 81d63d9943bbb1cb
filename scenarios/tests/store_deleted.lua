-- Someone deleted the whole ...\IPSec\Policy\Local key while PolicyAgent ran: every policy is
-- broken (the table still lists them), create fails 0x3 until the key exists again.
return {
  policies = {
    { name = "Corp-QM", state = "pending_deletion", blockers = { "stale_memory" } },
    { name = "Server-Isolation", state = "active", blockers = { "stale_memory" } },
  },
  registry = { ["HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Local"] = false },
}
