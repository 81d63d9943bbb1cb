-- Rung identify: reads each named policy and sorts it (pending, healthy, not found, a GPO's).
local quote = require "lib.quote"
local advice = require "lib.advice"

return {
  name = "identify",
  tells = "Reads each named policy (netsh ipsec static show policy all): one pending deletion goes on; an "
       .. "active one is `healthy` and left alone; a name with no policy is `not_found`. A policy Group Policy "
       .. "delivers never reaches the local rungs: while its GPO assigns it, it ends `blocked` here and the "
       .. "advice names the GPO to unlink or unassign in Group Policy Management, then "
       .. "`gpupdate /target:computer /force`; a stale copy no GPO assigns any more goes to `gpupdate` only.",
  when = "candidate",
  each = function(ctx, p)
    -- The state alone for most; the whole policy only where its details are said (the GPO, the
    -- reason a state is unknown).
    local state, source, code = ipsec.state(p.name)
    local msg, cur = not state and source or nil, nil
    if state and ((source == "gpo" and state ~= "active") or state == "unknown") then
      cur, msg, code = ipsec.get(p.name)
      state = cur and cur.state
    end
    local rec = ctx.resume_record
    local was_stuck = rec and (rec.all or rec.stuck[p.name])
    if not state and code == "not_found" and ctx.resume and was_stuck then
      -- The run that asked for the reboot saw it stuck (mend's record says so, not the flag).
      p.before = "pending_deletion"
      if rec.rebooted then
        ctx:step(p, { action = "ipsec.get", ok = true, message = "gone after the reboot", after = "absent" })
        ctx:settle(p, "fixed", "absent", "reboot")
      else
        ctx:step(p, { action = "ipsec.get", ok = true, after = "absent",
                      message = "gone, though no reboot has happened since the run that asked for one" })
        ctx:settle(p, "fixed", "absent", "resume")
      end
    elseif not state and code == "not_found" and (mend.deleted_before or {})[p.name] then
      -- An interrupted run was deleting it (its journal says so), so it was stuck then: gone
      -- now, it is fixed, as that run would have said.
      p.before = "pending_deletion"
      ctx:step(p, { action = "ipsec.get", ok = true, after = "absent",
                    message = "gone: an earlier run that was interrupted was deleting it (journal)" })
      ctx:settle(p, "fixed", "absent", "resume")
    elseif not state and code == "not_found" then
      do
        p.before = "absent"
        ctx:step(p, { action = "ipsec.get", ok = false, code = code, message = "no policy has this name" })
        ctx:settle(p, "not_found", "absent", nil)
      end
    elseif not state then
      p.before = "unknown"
      ctx:step(p, { action = "ipsec.get", ok = false, code = code, message = msg })
      ctx:fail(p, msg, true)
      p.kind = "unreadable"
    elseif source == "gpo" and state ~= "active" then
      -- Never the local store or the registry rung: the GPO (or a refresh, if it let go) decides.
      p.before, p.state, p.gpo = state, state, cur.gpo
      if cur.gpo_assigned == false then
        p.kind = "gpo_stale"
        ctx:step(p, { action = "ipsec.get", ok = true, after = state,
                      message = string.format("cached from GPO '%s', which no longer assigns it: a group-policy "
                                              .. "refresh clears it", cur.gpo) })
      else
        p.kind = "gpo_assigned"
        ctx:step(p, { action = "ipsec.get", ok = false, after = state, code = "not_permitted",
                      message = string.format("delivered by GPO '%s', which still assigns it: not deleted "
                                              .. "locally", cur.gpo) })
        ctx:settle(p, "blocked", state, "identify")
        mend.advise(advice.gpo(p.name, cur))
      end
    elseif state == "unknown" then
      -- The host cannot tell (Windows: the static store keeps no pending mark). Only named
      -- policies get here (pending_names leaves these out): the admin saw 0x32DF for it.
      p.before, p.state, p.kind = "unknown", "unknown", "pending"
      ctx:step(p, { action = "ipsec.get", ok = true, after = "unknown",
                    message = "state unknown (" .. (cur.state_reason or "the host cannot tell")
                              .. "): trying the ladder because the policy was named" })
    elseif state ~= "pending_deletion" then
      p.before = state
      ctx:step(p, { action = "ipsec.get", ok = true, message = "not pending deletion: left alone", after = state })
      ctx:settle(p, "healthy", state, nil)
    else
      -- Said once for all of them (done, below): `before` already records it per policy.
      p.before, p.state, p.kind = "pending_deletion", state, "pending"
    end
  end,
  done = function(ctx, set)
    local stuck, missing = {}, {}
    for _, p in ipairs(set) do
      if p.kind == "pending" and p.before == "pending_deletion" then stuck[#stuck + 1] = p.name end
      if p.outcome == "not_found" then missing[#missing + 1] = p.name end
    end
    require("lib.names").advise_missing(missing, "fix")
    -- The SPD and the event log decide what the store cannot tell (Windows: state unknown).
    for _, p in ipairs(set) do
      if p.kind == "pending" and p.before == "unknown" then
        local d = require("lib.diagnose").of(ctx, p, "identify")
        if d then ctx:step(p, { action = "diagnose", ok = true, after = "unknown", blockers = d.where,
                                message = (d.pending and "pending deletion: " or "") .. d.text }) end
      end
    end
    if #stuck > 0 then
      ctx:step(nil, { action = "ipsec.get", ok = true, policies = #stuck,
                      message = string.format("%s pending deletion (0x32DF): %s%s", quote.plural(#stuck, "policy", "policies"),
                        table.concat(stuck, ", ", 1, math.min(#stuck, advice.MANY)), #stuck > advice.MANY and ", ..." or "") })
    end
  end,
}
