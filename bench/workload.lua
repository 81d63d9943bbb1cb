-- Bench peer: a pure-Lua workload (no mend API) to compare the stock interpreter with mend's
-- sandboxed, instruction-limited state: string building, table sort, closures, integer math.
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
local t = {}
for i = 1, 200000 do t[i] = string.format("QM-%06d", (i * 7919) % 200000) end
table.sort(t)
local parts = {}
for i = 1, #t, 1000 do parts[#parts + 1] = t[i]:gsub("QM", "qm") end
local sum = 0
for i = 1, 3000000 do sum = (sum + i * i) % 1000003 end
local r = fib(27) + sum + #table.concat(parts, ",")
if print then print(r) end
return 0
