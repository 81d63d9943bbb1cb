-- Example: recreate an IPsec policy safely: clear the old one, wait out the delete window, create it anew.
--
--   mend run scripts/examples/recreate_policy.lua "Corp-QM" ["description"]
--
-- Windows processes a delete asynchronously: creating the same name right after deleting it
-- fails with 0x32DF, "The Quick Mode policy is pending deletion." - the article's prevention tip
-- is to wait about five seconds between the two. This script shows that error once (it tries
-- straight away), then waits and creates. A stuck old policy is cleared with the ladder first;
-- if it was assigned, the new one is assigned again.
local ladder = require "lib.ladder"

local WAIT = 5   -- seconds, as in the article (`timeout /t 5`)

local name = mend.args[1]
if not name or name == "" then
  log.error("usage: mend run scripts/examples/recreate_policy.lua NAME [DESCRIPTION]")
  return 2
end

local old = ipsec.get(name)
local description = mend.args[2] or (old and old.description) or ""
local was_assigned = old and old.assigned
local before = old and old.state or "absent"

if old and old.state == "pending_deletion" then
  log.info("%s is pending deletion: clearing it with the fix ladder first", name)
  local ctx = ladder.run(nil, { names = { name } })
  if ctx.by_name[name].outcome ~= "fixed" then
    log.error("%s could not be cleared; see the advice", name)
    return 1
  end
elseif old then
  local ok, msg, code = ipsec.delete(name)
  mend.step{ policy = name, rung = "recreate", action = "ipsec.delete", ok = ok == true, message = msg, code = code }
  if not ok then
    mend.outcome(name, { before = before, after = before, outcome = "failed" })
    mend.advise(string.format("%s could not be deleted: %s. Try: %s", name, msg, ladder.command({ name })))
    return 1
  end
end

local function create()
  local ok, msg, code = ipsec.create{ name = name, description = description }
  mend.step{ policy = name, rung = "recreate", action = "ipsec.create", ok = ok == true, message = msg, code = code }
  return ok, msg, code
end

local ok, msg, code = create()
if not ok and code == "pending_deletion" then
  log.info("as expected right after a delete: %s; waiting %d seconds", msg, WAIT)
  sys.sleep(WAIT)
  ok, msg = create()
end
if not ok then
  mend.outcome(name, { before = before, after = "absent", outcome = "failed" })
  mend.advise(string.format("%s could not be created: %s", name, msg))
  return 1
end

if was_assigned then
  local aok, amsg, acode = ipsec.assign(name, true)
  mend.step{ policy = name, rung = "recreate", action = "ipsec.assign", ok = aok == true, message = amsg, code = acode }
end
mend.outcome(name, { before = before, after = "active", outcome = "fixed", rung = "recreate" })
log.info("%s created%s", name, was_assigned and " and assigned" or "")
return 0
