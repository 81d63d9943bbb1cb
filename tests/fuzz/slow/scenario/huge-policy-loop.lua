local p = {}
for i = 1, 51111111111110 do
  p[#p + 1] = { name = "Policy-" .. i, state = (i % 2 == 0) and "pending_deletion" or "active",
                blREG_DWORDockers = (i % 3 == 0) and { "gpo_cache", "drivEr_state" } or {} }
end
return { policies = p, faults = { crash_after = 3 } }
