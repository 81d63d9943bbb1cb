-- Where a policy is stuck, from every source at once: the static store, the GPO cache, the SPD and the event log.
--
--   local diagnose = require "lib.diagnose"
--   local view = diagnose.read("check")        -- one enumeration of each source
--   local d = view:policy(cur)                 -- cur: what ipsec.get returned
--   d.pending     true / false / nil (nobody can tell)
--   d.where       { "store", "spd_qm_pending", "orphan_filter", "gpo_assigned", "gpo_stale", "event" }
--   d.qm          the SPD quick-mode policy it plumbed: { name, pending, sas, refs } (or nil)
--   d.orphans     names of SPD filters that reference its pending quick-mode policy
--   d.orphan_filters  those filters as spd.filters() lists them ({ name, guid, type, qm_policy })
--   d.assigned    the store assigns it (its filters are the plumbed ones, not orphans)
--   d.events      the recent 13023 events naming it (newest first)
--   d.text        one sentence for a step or advice
-- Where the SPD or the event log cannot be read (Windows until winipsec is read; Wine), read()
-- says so in one step and the diagnosis goes by what the store says.
local M = {}

local View = {}
View.__index = View

local function count(n, one, many)
  return string.format("%d %s", n, n == 1 and one or many)
end

-- The one step for a source that cannot be read; the host's message is kept whole, without
-- saying "cannot be read" twice when it already does.
local function unreadable(rung, action, source, msg, code)
  msg = tostring(msg)
  local why = msg:find(source .. " cannot be read", 1, true) and msg or (source .. " cannot be read (" .. msg .. ")")
  mend.step{ rung = rung, action = action, ok = false, code = code,
             message = why .. ": going by what the policy store says" }
end

-- One read of each source (quiet: no step for a source that cannot be read, said already): the
-- SPD's quick-mode policies, filters and SAs indexed by quick-mode
-- policy name (letter case ignored, as Windows compares them), the events indexed by policy.
function M.read(rung, quiet)
  local v = setmetatable({ qm = {}, filters = {}, sas = {}, events = {}, notes = {} }, View)
  local qms, msg, code = spd.qm_policies()
  if qms then
    for _, q in ipairs(qms) do
      v.qm[q.name:lower()] = q
      v.any_pending = v.any_pending or q.pending_deletion == true
    end
    for _, f in ipairs(spd.filters() or {}) do
      local k = (f.qm_policy or ""):lower()
      v.filters[k] = v.filters[k] or {}
      table.insert(v.filters[k], f)
    end
    for _, s in ipairs(spd.sas() or {}) do
      local k = (s.qm_policy or ""):lower()
      v.sas[k] = (v.sas[k] or 0) + 1
    end
    v.spd_ok = true
  else
    v.spd_error = msg
    if not quiet then unreadable(rung, "spd.qm_policies", "the SPD", msg, code) end
  end
  local evs, emsg, ecode = events.recent()
  if evs then
    for _, ev in ipairs(evs) do
      v.events[ev.policy] = v.events[ev.policy] or {}
      table.insert(v.events[ev.policy], ev)
    end
    v.events_ok = true
  else
    v.events_error = emsg
    if not quiet then unreadable(rung, "events.recent", "the event log", emsg, ecode) end
  end
  return v
end

-- The quick-mode policies a static policy plumbs: the names of the filter actions its rules
-- reference (ipsecNFAReference -> ipsecNegotiationPolicyReference -> ipsecName), read from the
-- store; references are relative to HKLM.
local function filter_actions(cur)
  local out = {}
  local key = cur.store_key
  if not key or key == "" then return out end
  local nfas = reg.get(key, "ipsecNFAReference")
  if type(nfas) == "string" then nfas = { nfas } end
  for _, nfa in ipairs(type(nfas) == "table" and nfas or {}) do
    local nref = reg.get("HKLM\\" .. nfa, "ipsecNegotiationPolicyReference")
    if type(nref) == "table" then nref = nref[1] end
    local name = type(nref) == "string" and reg.get("HKLM\\" .. nref, "ipsecName")
    if type(name) == "string" and name ~= "" then out[#out + 1] = name end
  end
  return out
end

-- The diagnosis of one policy (cur: ipsec.get's answer).
function View:policy(cur)
  local d = { name = cur.name, store = cur.state, where = {}, events = self.events[cur.name] or {}, orphans = {},
              orphan_filters = {}, assigned = cur.assigned == true }
  local parts = {}
  if cur.state == "pending_deletion" then
    d.where[#d.where + 1] = "store"
    parts[#parts + 1] = "the store lists it pending deletion (0x32DF)"
  end
  if cur.source == "gpo" then
    local stale = cur.gpo_assigned == false
    d.where[#d.where + 1] = stale and "gpo_stale" or "gpo_assigned"
    parts[#parts + 1] = stale and ("a stale copy in Group Policy's cache (GPO: " .. tostring(cur.gpo) .. ")")
                        or ("delivered by GPO '" .. tostring(cur.gpo) .. "', which still assigns it")
  end
  -- The store graph is read only when the SPD holds something pending (a 20,000-policy check
  -- on a healthy SPD reads no more than before).
  if self.spd_ok and self.any_pending then
    for _, fa in ipairs(filter_actions(cur)) do
      local q = self.qm[fa:lower()]
      if q and q.pending_deletion then
        local sas = self.sas[fa:lower()] or 0
        d.qm = { name = q.name, pending = true, sas = sas, refs = q.refs }
        d.where[#d.where + 1] = "spd_qm_pending"
        parts[#parts + 1] = string.format("its quick-mode policy '%s' is pending deletion in the SPD (%s)", q.name,
                                          count(sas, "SA keeps it", "SAs keep it"))
        for _, f in ipairs(self.filters[fa:lower()] or {}) do
          d.orphans[#d.orphans + 1] = f.name
          d.orphan_filters[#d.orphan_filters + 1] = f
        end
        if #d.orphans > 0 then
          d.where[#d.where + 1] = "orphan_filter"
          parts[#parts + 1] = string.format("%s still %s it (%s)", count(#d.orphans, "filter", "filters"),
                                            #d.orphans == 1 and "references" or "reference", table.concat(d.orphans, ", "))
        end
        break
      elseif q and not d.qm then
        d.qm = { name = q.name, pending = false, sas = self.sas[fa:lower()] or 0, refs = q.refs }
      end
    end
  end
  if #d.events > 0 then
    d.where[#d.where + 1] = "event"
    parts[#parts + 1] = string.format("%s 0x32DF (13023) for it in the event log (event %d)",
                                      count(#d.events, "recent event reports", "recent events report"), d.events[1].id)
  end
  if cur.state == "pending_deletion" or (d.qm and d.qm.pending) or #d.events > 0 then
    d.pending = true
  elseif cur.state == "unknown" then
    d.pending = nil
  else
    d.pending = false
  end
  if #parts == 0 then
    parts[1] = cur.state == "unknown" and "no source says it is pending deletion" or "nothing says it is stuck"
  end
  if not self.spd_ok or not self.events_ok then
    parts[#parts + 1] = "(" .. (not self.spd_ok and "the SPD" or "") .. ((not self.spd_ok and not self.events_ok) and
                        " and " or "") .. (not self.events_ok and "the event log" or "") .. " could not be read)"
  end
  d.text = table.concat(parts, "; ")
  return d
end

-- The diagnosis of ladder record p when its quick-mode policy is pending deletion in the SPD
-- and the SPD is what answers (the delete said 0x32DF, or the store cannot tell: Windows); nil
-- otherwise, and for a GPO's policy. Every SPD rung's `applies` starts here.
function M.spd_pending(ctx, p, rung)
  if p.gpo or not (p.last_code == "pending_deletion" or p.before == "unknown") then return nil end
  local d = M.of(ctx, p, rung)
  if d and d.qm and d.qm.pending then return d end
  return nil
end

-- The view for a ladder pass: read once, read again only after something changed the SPD (a
-- rung that dropped SAs or deleted a quick-mode policy or a filter bumps ctx.spd_changes; a restart or a
-- reboot of the Policy Agent rebuilds it). Steps about unreadable sources are said once per run.
function M.for_ctx(ctx, rung)
  local key = table.concat({ ctx.spd_changes or 0, ctx.restarts or 0, tostring(ctx.rebooted) }, "/")
  if ctx.diag_view and ctx.diag_key == key then return ctx.diag_view end
  local view = M.read(rung, ctx.diag_view ~= nil)
  ctx.diag_view, ctx.diag_key = view, key
  return view
end

-- The diagnosis of a ladder record p (cached per view): nil when the policy cannot be read.
function M.of(ctx, p, rung)
  local view = M.for_ctx(ctx, rung)
  if p.diag and p.diag_view == view then return p.diag end
  local cur = ipsec.get(p.name)
  if not cur then return nil end
  p.diag, p.diag_view = view:policy(cur), view
  return p.diag
end

return M
