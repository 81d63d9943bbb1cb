-- `mend check`: read-only diagnosis of stuck policies and their visible blockers (Intune detection style).
--
--   mend check                 every policy pending deletion
--   mend check "Corp-QM"       the named ones
-- Exit code: 0 nothing stuck (the Policy Agent and the automatic-start services that depend on it
-- run), 1 a problem was found or a named policy does not exist (outcome not_found), or a named
-- policy's state cannot be told (state "unknown", e.g.
-- on Windows, whose policy store keeps no pending-deletion mark): mend will not call healthy what
-- it cannot see. Unnamed policies of unknown state are listed in the advice only. This script
-- only reads: it calls no function that changes the machine.
local ladder = require "lib.ladder"
local advice = require "lib.advice"
local names_lib = require "lib.names"
local diagnosis = require "lib.diagnose"
local handle_check = require "handle_check"
local offload = require "offload"

local problems = 0
-- Diagnosed stuck policies, advised together at the end (advise_found): grouped as they come,
-- each kept only while there are few (at 100,000 policies the list was most of check's heap).
local found = advice.grouper(function(f) return f.key end, function(f) return f.caps end)
-- The SPD and the event log, read once: they say what the store cannot (Windows: state unknown).
local view = diagnosis.read("check")

local names = {}
do
  local seen = {}
  for _, n in ipairs(mend.args) do
    if not seen[n] then seen[n] = true; names[#names + 1] = n end
  end
  if #names == 0 then
    local pending, msg = ladder.pending_names()
    if not pending then
      log.error("cannot list the IPsec policies: %s", msg)
      return 1
    end
    names = pending
    local unknown = {}
    for _, n in ipairs(msg) do   -- pending_names' second result: the policies it cannot classify
      local cur = (view.spd_ok or view.events_ok) and ipsec.get(n)
      if cur and view:policy(cur).pending then names[#names + 1] = n else unknown[#unknown + 1] = n end
    end
    if #unknown > 0 then
      mend.step{ rung = "check", action = "ipsec.policies", ok = true, state = "unknown", policies = #unknown,
                 message = string.format("%d %s of unknown state: not checked (see the advice)", #unknown,
                                         #unknown == 1 and "policy" or "policies") }
    end
  end
end

-- The Policy Agent keeps the in-memory table every rung talks to.
local agent, amsg = svc.query(ladder.AGENT)
if not agent then
  problems = problems + 1
  mend.step{ rung = "check", action = "svc.query", target = ladder.AGENT, ok = false, message = amsg }
  mend.advise(string.format("%s cannot be queried: %s", ladder.AGENT, amsg))
else
  local running = agent.state == "running"
  mend.step{ rung = "check", action = "svc.query", target = ladder.AGENT, ok = running, state = agent.state,
             message = string.format("%s is %s", ladder.AGENT, agent.state) }
  if not running then
    problems = problems + 1
    mend.advise(string.format("%s is %s: IPsec policies are not enforced. Start it (net start PolicyAgent).",
                              ladder.AGENT, agent.state))
  end
end

-- An automatic-start service that depends on the Policy Agent (directly or through others) and
-- is stopped: what a restart without its dependents leaves behind (SCM never restarts them).
local dependents, dmsg = svc.dependents(ladder.AGENT, { all = true })
if not dependents then
  mend.step{ rung = "check", action = "svc.dependents", target = ladder.AGENT, ok = false, message = dmsg }
end
for _, name in ipairs(dependents or {}) do
  local s = svc.query(name)
  if s and s.start_type == "auto" and s.state == "stopped" then
    problems = problems + 1
    mend.step{ rung = "check", action = "svc.query", target = name, ok = false, state = s.state,
               message = string.format("%s (%s) starts automatically, depends on %s and is stopped; start it: %s",
                                       name, s.display_name, ladder.AGENT, ladder.start_command(name)) }
    mend.advise(string.format("%s (%s) depends on %s and is stopped although it starts automatically. "
      .. "Start it: %s", name, s.display_name, ladder.AGENT, ladder.start_command(name)))
  end
end

local nics, nmsg = offload.offloading()
local nic_names = {}
for _, n in ipairs(nics or {}) do nic_names[#nic_names + 1] = n.name end
if not nics then
  mend.step{ rung = "check", action = "nic.list", ok = false, message = nmsg }
elseif #nics > 0 then
  mend.step{ rung = "check", action = "nic.list", ok = true, offloading = nic_names,
             message = "IPsec task offload is on for " .. table.concat(nic_names, ", ") }
end

local all_caps = {}

-- cur.state is "pending_deletion", or "unknown" for a named policy the host cannot classify.
local function diagnose_gpo(name, cur)
  local stale = cur.gpo_assigned == false
  mend.step{ policy = name, rung = "check", action = "diagnose", ok = false,
             blockers = { stale and "gpo_stale" or "gpo_assigned" }, gpo = cur.gpo, state = cur.state,
             message = ladder.gpo_advice(name, cur) }
  mend.outcome(name, { before = cur.state, after = cur.state, outcome = stale and "failed" or "blocked" })
  mend.advise(ladder.gpo_advice(name, cur))
  return stale   -- one mend fix clears a stale copy; an assigned one is the GPO admin's
end

-- One handle scan for the whole check (it changes nothing), taken at the first policy.
local holder_index

-- Returns whether mend fix can act on it.
local function diagnose(name, cur)
  if cur.source == "gpo" then return diagnose_gpo(name, cur) end
  local blockers, caps, visible = {}, {}, {}
  local d = view:policy(cur)
  if d.qm and d.qm.pending then
    blockers[#blockers + 1] = d.qm.sas > 0 and "spd_sas" or (#d.orphans > 0 and "orphan_filter" or "spd_qm")
    caps.service = true
    visible[#visible + 1] = string.format("its quick-mode policy '%s' is pending deletion in the SPD, %s", d.qm.name,
      d.qm.sas > 0 and string.format("kept by %d SA%s (mend fix drops them with --allow service)", d.qm.sas,
                                     d.qm.sas == 1 and "" or "s")
      or #d.orphans > 0 and ("still referenced by the filter" .. (#d.orphans == 1 and " " or "s ")
                             .. table.concat(d.orphans, ", ") .. " (mend fix deletes "
                             .. (#d.orphans == 1 and "it" or "them") .. " with --allow service)")
      or "referenced by nothing (mend fix deletes it there with --allow service)")
  end
  if #d.events > 0 then
    blockers[#blockers + 1] = "event"
    visible[#visible + 1] = string.format("the event log reported 0x32DF (13023) for it %d time%s this week",
                                          #d.events, #d.events == 1 and "" or "s")
  end
  local key = cur.store_key
  if key and key ~= "" then
    local present = reg.exists(key)
    if present == false then
      blockers[#blockers + 1] = "stale_memory"
      visible[#visible + 1] = "gone from the store but still in the Policy Agent's memory (a restart clears it)"
    end
  end
  if cur.assigned then
    blockers[#blockers + 1] = "assigned"
    visible[#visible + 1] = "assigned (mend fix unassigns it before deleting)"
  end
  if holder_index == nil then holder_index = handle_check.index() or false end
  local holders = handle_check.holders(name, holder_index or nil, cur.store_key) or {}
  local held = {}
  for _, h in ipairs(holders) do
    held[#held + 1] = { pid = h.pid, process = h.process, class = h.class, product = h.product }
    if h.class ~= "system" then
      blockers[#blockers + 1] = "holder"
      caps.kill = true
      visible[#visible + 1] = "held open by " .. handle_check.describe(h) .. (h.stop and " (mend fix stops it with --allow kill)"
        or (" (not a known IPsec/VPN client: mend fix stops it only with --allow kill --stop-holder " .. h.process .. ")"))
    end
  end
  -- An offloading NIC is a machine-wide finding (advised once below): which policies its SAs
  -- hold cannot be seen without trying a delete. SAs with nothing else in the way may be the
  -- adapter's: then the delete answers "in use" and only --allow nic clears them.
  if blockers[1] == "spd_sas" and #blockers == 1 and #nic_names > 0 then
    caps.nic = true
    visible[#visible + 1] = "with IPsec task offload on for " .. table.concat(nic_names, ", ")
      .. ", those SAs may be the adapter's (mend fix turns offload off with --allow nic)"
  end
  if #visible == 0 then
    visible[1] = "no visible blocker: the force delete, a group-policy refresh or a Policy Agent restart "
              .. "usually clears it; if it stays in use, "
              .. (#nic_names > 0 and "the adapter offload (--allow nic) or " or "") .. "a reboot (--allow reboot)"
  end
  for c in pairs(caps) do all_caps[c] = true end
  local gated = next(caps) ~= nil
  local unknown = cur.state == "unknown" and not d.pending
  local head = unknown and ("state unknown (" .. (cur.state_reason or "the host cannot tell") .. ")")
               or "pending deletion (0x32DF)"
  local said = table.concat(visible, "; ")
  mend.step{ policy = name, rung = "check", action = "diagnose", ok = false, blockers = blockers, where = d.where,
             holders = held, assigned = cur.assigned, sa_count = cur.sa_count, state = cur.state,
             message = head .. ": " .. said }
  mend.outcome(name, { before = cur.state, after = cur.state, outcome = gated and "blocked" or "failed" })
  found.add{ name = name, said = said, caps = caps, unknown = unknown,
             key = (unknown and "unknown:" or "") .. table.concat(blockers, ",") }
  return true
end

-- One advice line per policy for a few (its text made only then); for many, one per kind of
-- blocker, as fix groups them.
local function advise_found()
  local groups, few = found.result()
  if not groups then
    for _, f in ipairs(few) do
      if f.unknown then
        mend.advise(string.format("%s: mend cannot tell whether it is pending deletion. If Windows reported "
          .. "0x32DF (13023) for it: %s. Fix: %s", f.name, f.said, ladder.command({ f.name }, f.caps)))
      else
        mend.advise(string.format("%s is pending deletion: %s. Fix: %s", f.name, f.said,
                                  ladder.command({ f.name }, f.caps)))
      end
    end
    return
  end
  for _, g in ipairs(groups) do
    local blockers = g.key:gsub("^unknown:", "")
    mend.advise(string.format("%d %s %s%s (first: %s). Fix them all: %s", g.n,
      g.n == 1 and "policy is" or "policies are",
      g.head.unknown and "in an unknown state (perhaps pending deletion)" or "pending deletion",
      blockers ~= "" and (" with blockers " .. blockers:gsub(",", ", ")) or " with no visible blocker",
      g.first, ladder.command(nil, g.caps)))
  end
end

local stuck, missing = {}, {}
for _, name in ipairs(names) do
  local cur, msg, code = ipsec.get(name)
  if not cur and code == "not_found" then
    missing[#missing + 1] = name
    mend.step{ policy = name, rung = "check", action = "ipsec.get", ok = false, code = code,
               message = "no policy has this name" }
    mend.outcome(name, { before = "absent", after = "absent", outcome = "not_found" })
  elseif not cur then
    problems = problems + 1
    mend.step{ policy = name, rung = "check", action = "ipsec.get", ok = false, code = code, message = msg }
    mend.outcome(name, { before = "unknown", after = "unknown", outcome = "failed" })
  elseif cur.state == "unknown" then
    problems = problems + 1
    if diagnose(name, cur) then stuck[#stuck + 1] = name end
  elseif cur.state ~= "pending_deletion" then
    mend.step{ policy = name, rung = "check", action = "ipsec.get", ok = true, message = cur.state }
    mend.outcome(name, { before = cur.state, after = cur.state, outcome = "healthy" })
  else
    problems = problems + 1
    if diagnose(name, cur) then stuck[#stuck + 1] = name end
  end
end

advise_found()
if #stuck > 0 and #nic_names > 0 then
  all_caps.nic = true
  mend.advise(string.format("IPsec task offload is on for %s: a policy still in use after the delete and "
    .. "a restart is held by an adapter's SAs. %s", table.concat(nic_names, ", "), offload.why))
end
if #stuck > 1 then
  mend.advise("To fix everything found: " .. ladder.command(#stuck <= advice.MANY and stuck or nil, all_caps))
end

-- A name that matches nothing is a problem (a typo must not read healthy): the report says
-- not_found unless something worse was found.
names_lib.advise_missing(missing, "check")
if problems == 0 and #missing > 0 then return 1 end
if problems == 0 then
  log.info("no problem found")
  return 0
end
-- A problem that is no policy's (PolicyAgent or a service that depends on it stopped) must not
-- leave the report saying "healthy" while the exit code says a problem was found.
mend.run_outcome("failed")
return 1
