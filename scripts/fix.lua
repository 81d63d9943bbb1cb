-- `mend fix` and `mend batch`: the 0x32DF fix ladder on the named policies, or on every stuck one.
--
--   mend fix "Corp-QM"                 the named policies (any number)
--   mend fix                           no names: every policy pending deletion (said on stderr)
--   mend fix --all-pending "Extra"     every policy pending deletion, plus the named ones
--   mend fix --resume "Corp-QM"        after the reboot the ladder asked for: verify, then finish
--   mend batch list.txt                the names in a file (one a line, # comments)
--
-- The ladder itself: its rungs and their wording in scripts/rungs/, their order in
-- scripts/rungs/order.lua, the driver in scripts/lib/ladder.lua. The exit code comes from the
-- report: 0 fixed or healthy, 1 a problem remains, 3 reboot required.
local ladder = require "lib.ladder"

-- The names to fix: the named ones, then every pending one. A function, so its lookup table and
-- the pending list are garbage before the ladder starts (at 100,000 policies, 8 MB it keeps).
local function gather()
  local names, seen = {}, {}
  local function add(name)
    if not seen[name] then
      seen[name] = true
      names[#names + 1] = name
    end
  end

  for _, name in ipairs(mend.args) do add(name) end

  if mend.flags.all_pending or #names == 0 then
    local pending, msg = ladder.pending_names()
    if not pending then
      log.error("cannot list the IPsec policies: %s", msg)
      return nil
    end
    if #names == 0 then
      if #pending == 0 then
        log.info("no IPsec policy is pending deletion: nothing to fix")
      else
        log.info("no policy named: fixing every policy pending deletion (%d)", #pending)
      end
    end
    for _, name in ipairs(pending) do add(name) end
  end
  return names
end

local names = gather()
if not names then return 1 end

if mend.flags.resume then
  log.info("resuming after a reboot: verifying %d %s", #names, #names == 1 and "policy" or "policies")
end

ladder.run(ladder.rungs, { names = names, resume = mend.flags.resume, progress = true })
