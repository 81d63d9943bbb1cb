-- Bench peer: the ladder run policy by policy in one process (a set of one each time), as a loop
-- of `ladder.run` per name would do it: one gpupdate or restart for every policy that needs one.
--   mend run bench/per_policy.lua LIST.txt     (one name a line)
local ladder = require "lib.ladder"
local file = assert(mend.args[1], "usage: mend run bench/per_policy.lua LIST.txt")
for name in io.lines(file) do
  if name ~= "" then ladder.run(nil, { names = { name } }) end
end
return 0
