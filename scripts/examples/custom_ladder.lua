-- Example: the fix ladder with your own rungs: a conservative order for servers.
--
--   mend run --allow kill scripts/examples/custom_ladder.lua "Corp-QM" ...
--
-- Reuses the standard driver (scripts/lib/ladder.lua) with a different list: the handle check
-- right after the first delete (our VPN client is the usual culprit), a rung of our own (in
-- scripts/examples/rungs/settle.lua) that waits for the asynchronous delete before refreshing
-- anything, and no registry surgery, no NIC change and no reboot: what needs those ends
-- `failed` with the steps in the report.
local ladder = require "lib.ladder"
local r = ladder.rungs_by_name()

-- A rung from its own file (scripts/examples/rungs/settle.lua, found beside this script),
-- checked as it loads: a misspelt field stops the run (exit 2) before anything is done.
local settle = ladder.load("rungs.settle")

local rungs = { r.identify, r.delete, r.handle_check, r.unassign, settle, r.gpupdate, r.restart }

local names = {}
for _, n in ipairs(mend.args) do names[#names + 1] = n end
if #names == 0 then names = ladder.pending_names() or {} end
ladder.run(rungs, { names = names })
