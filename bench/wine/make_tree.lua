-- Builds the benchmark's registry subtree: mend.args[1] keys (default 10,000) under
-- HKLM\SOFTWARE\MendBench, 100 per folder, each with a string, a DWORD and a binary value.
local n = tonumber(mend.args[1]) or 10000
local base = [[HKLM\SOFTWARE\MendBench]]
for i = 1, n do
  local key = string.format([[%s\group%03d\key%05d]], base, i // 100, i)
  assert(reg.set(key, "name", "policy entry " .. i))
  assert(reg.set(key, "index", i, "REG_DWORD"))
  assert(reg.set(key, "data", string.rep(string.char(i % 256), 24), "REG_BINARY"))
end
return 0
