local p = {}
for i = 1, 50 do
  p[#p + 1] = { name = "Policy-" .. i, state = (i % 2 == 0) and "pending_deletion" or "active",
                blockers = (i % 3 == 0) and { "gpo_cache", "driver_state" } or {} }
end
return { policies = p, faults = { crash_after = 3 } }
