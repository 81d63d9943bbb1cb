-- N policies stuck pending deletion: missed purges, group-policy caches and stale Policy Agent
-- entries, a third each (bench/scenarios/stuck_10000.lua at any size; bench/scale.sh sets N).
local N = 10000
local policies = {}
local kinds = { {}, { "gpo_cache" }, { "stale_memory" } }
for i = 1, N do
  policies[i] = { name = string.format("Fleet-QM-%06d", i), state = "pending_deletion",
                  blockers = kinds[(i - 1) % #kinds + 1] }
end
policies[#policies + 1] = { name = "Server-Isolation", state = "active", assigned = true }
return { policies = policies }
