-- The account lacks rights to delete IPsec policies: every delete fails access_denied (0x5).
return {
  policies = { { name = "Corp-QM", state = "pending_deletion" } },
  faults = { access_denied = { "ipsec.delete" } },
}
