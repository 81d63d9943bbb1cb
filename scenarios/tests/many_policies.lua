-- 10,000 stuck policies for batch runs and benchmarks, plus one healthy assigned policy.
local policies = {}
for i = 1, 10000 do
  policies[i] = { name = string.format("Bulk-QM-%05d", i), state = "pending_deletion",
                  blockers = (i % 10 == 0) and { "gpo_cache" } or nil }
end
policies[#policies + 1] = { name = "Server-Isolation", state = "active", assigned = true }
return { policies = policies }
