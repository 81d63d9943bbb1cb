-- Only lsass.exe holds the key: normal, it blocks nothing; a plain delete works.
return {
  policies = { { name = "Corp-QM", state = "pending_deletion" } },
  processes = { { pid = 4, name = "System" }, { pid = 700, name = "lsass.exe" } },
  handles = { { pid = 700, policy = "Corp-QM" } },
}
