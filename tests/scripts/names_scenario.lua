-- 30,000 policies for lib/names: numbered fleet policies around a few named by hand, one of
-- them in UTF-8 and one very long.
local policies = {}
for i = 1, 30000 do
  policies[i] = { name = string.format("Site-%05d-QM", i), state = "active" }
end
for _, name in ipairs({ "Corp-Berlin-QM", "Corp-Berlin-QM2", "Zürich-Filiale-QM", "Branch Office QM",
                        string.rep("Datacenter-Interconnect-", 12) .. "QM" }) do
  policies[#policies + 1] = { name = name, state = "active" }
end
return { policies = policies }
