-- 10,000 policies stuck pending deletion: missed purges, group-policy caches and stale Policy
-- Agent entries mixed - what one gpupdate and one PolicyAgent restart clear, however many.
local policies = {}
local kinds = { {}, { "gpo_cache" }, { "stale_memory" } }
for i = 1, 10000 do
  policies[i] = { name = string.format("Fleet-QM-%05d", i), state = "pending_deletion",
                  blockers = kinds[(i - 1) % #kinds + 1] }
end
policies[#policies + 1] = { name = "Server-Isolation", state = "active", assigned = true }
return { policies = policies }
