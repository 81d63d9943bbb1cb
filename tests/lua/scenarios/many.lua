-- Thousands of policies, processes, handles and values, generated in a loop, for the memory-limit test.
local policies, processes, handles, values = {}, {}, {}, {}
for i = 1, 2000 do
  policies[i] = { name = string.format("Bulk-QM-%04d", i), state = i % 3 == 0 and "pending_deletion" or "active",
                  description = string.rep("d", 40) }
end
for i = 1, 500 do
  processes[i] = { pid = 10000 + i * 4, name = string.format("worker%03d.exe", i) }
  handles[i] = { pid = 10000 + i * 4, policy = policies[i].name }
end
for i = 1, 500 do values[string.format("Value%03d", i)] = string.rep("v", 30) end
return {
  policies = policies,
  processes = processes,
  handles = handles,
  registry = { ["HKLM\\SOFTWARE\\Contoso\\Many"] = values },
}
