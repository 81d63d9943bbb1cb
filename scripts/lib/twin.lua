-- A twin (a simulator scenario) from a machine's facts: what `mend capture` writes, live or from a bundle.
--
-- facts: policies (ipsec.policies() rows), nics (or nics_error), holders (handles.holders of the
-- store, or holders_error), critical (pid -> true), services (name -> svc.query row),
-- service_notes, notes, store ({exists, keys, values} over the registry), source (header line).
local writer = require "lib.scenario_writer"

local M = {}

M.STORE = "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Local"
local STORE = M.STORE
local NT_STORE = "\\REGISTRY\\MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Local"
-- PolicyAgent's own dependencies (and theirs), as Windows installs them.
M.SERVICES = { "PolicyAgent", "RpcSs", "RpcEptMapper", "Tcpip", "BFE" }
-- Bounds: a store this large is not one the twin needs whole.
local LIMITS = { keys = 2000, values = 20000, bytes = 4 * 1024 * 1024, policies = 20000, handles = 20000 }

-- Returns the scenario text and a one-line summary.
function M.build(facts, wanted)
  local store = facts.store
  local notes = {}        -- comment lines for the top of the file
  local function note(fmt, ...) notes[#notes + 1] = string.format(fmt, ...) end
  for _, n in ipairs(facts.notes or {}) do note("%s", n) end

  -- ---- policies ----
  local all = facts.policies
  local chosen = {}
  if #wanted == 0 then
    chosen = all
  else
    local by_name = {}
    for _, p in ipairs(all) do by_name[p.name] = p end
    local seen = {}
    for _, n in ipairs(wanted) do
      if by_name[n] and not seen[n] then
        seen[n] = true
        chosen[#chosen + 1] = by_name[n]
      elseif not by_name[n] then
        note("%s: no policy has this name", n)
        log.warn("%s: no policy has this name; not captured", n)
      end
    end
  end
  table.sort(chosen, function(a, b)
    if a.name ~= b.name then return a.name < b.name end
    return (a.guid or "") < (b.guid or "")
  end)
  -- The simulator needs unique names; Windows' store can hold two policies of one name.
  do
    local kept, last = {}, nil
    for _, p in ipairs(chosen) do
      if p.name == last then
        note("%s: a second policy of this name (%s) is left out", p.name, p.guid or "?")
        log.warn("%s: more than one policy has this name; only the first (by guid) is captured", p.name)
      else
        kept[#kept + 1] = p
      end
      last = p.name
    end
    chosen = kept
  end
  if #chosen > LIMITS.policies then
    note("truncated: %d policies, only the first %d (by name) captured", #chosen, LIMITS.policies)
    log.warn("only the first %d of %d policies captured", LIMITS.policies, #chosen)
    for i = #chosen, LIMITS.policies + 1, -1 do chosen[i] = nil end
  end

  local function nt_name(key)
    local rest = key:match("^HKLM\\(.*)$")
    return rest and ("\\REGISTRY\\MACHINE\\" .. rest) or key
  end

  local policy_by_key = {}
  for _, p in ipairs(chosen) do
    if p.store_key and p.store_key ~= "" then policy_by_key[nt_name(p.store_key):upper()] = p.name end
  end

  -- ---- NICs ----
  local nics = {}
  local offloading = false
  local nlist, nmsg = facts.nics, facts.nics_error
  if nlist then
    for _, n in ipairs(nlist) do
      nics[#nics + 1] = { name = n.name, description = n.description, ipsec_offload = n.ipsec_offload }
      if n.ipsec_offload then offloading = true end
    end
    table.sort(nics, function(a, b) return a.name < b.name end)
  else
    note("NICs could not be read: %s", nmsg)
  end

  -- ---- holders of handles on the store ----
  local handles_out, procs = {}, {}
  local hlist, hmsg = facts.holders, facts.holders_error
  if hlist then
    local pids = {}
    for _, h in ipairs(hlist) do
      local policy = policy_by_key[(h.name or ""):upper()]
      local other_policy = not policy and (h.name or ""):upper():match("\\IPSECPOLICY{[^\\]*}$")
      if policy then
        handles_out[#handles_out + 1] = { pid = h.pid, policy = policy, handle = h.handle, access = h.access }
      elseif not other_policy then
        handles_out[#handles_out + 1] = { pid = h.pid, type = h.type, name = h.name, handle = h.handle,
                                          access = h.access }
      end
      if (policy or not other_policy) and not pids[h.pid] then
        pids[h.pid] = true
        procs[#procs + 1] = { pid = h.pid, name = h.process }
      end
    end
    -- Windows' own critical processes stay critical in the twin (its proc.kill refuses them too).
    local critical = facts.critical or {}
    for _, p in ipairs(procs) do if critical[p.pid] then p.critical = true end end
    table.sort(procs, function(a, b) return a.pid < b.pid end)
    if #handles_out > LIMITS.handles then
      note("truncated: %d handles on the store, only %d captured", #handles_out, LIMITS.handles)
      log.warn("only %d of %d handles on the store captured", LIMITS.handles, #handles_out)
    end
    table.sort(handles_out, function(a, b)
      if a.pid ~= b.pid then return a.pid < b.pid end
      if a.handle ~= b.handle then return a.handle < b.handle end
      return (a.policy or a.name) < (b.policy or b.name)
    end)
    for i = #handles_out, LIMITS.handles + 1, -1 do handles_out[i] = nil end
  else
    note("handles on the store could not be scanned: %s", hmsg)
  end

  -- ---- blockers, inferred from what can be seen ----
  -- A twin must never promise more than the machine gives. What cannot be seen is assumed at its
  -- worst short of a reboot: a stuck policy with no visible cause may be a missed purge or a
  -- corrupt store entry (only the registry rung clears that), and while any NIC offloads IPsec
  -- its SAs may hold any stuck policy. driver_state (a reboot only) is the one cause not assumed:
  -- it would make every twin say "reboot"; docs/plans.md says what a twin cannot know.
  local held = {}
  for _, h in ipairs(handles_out) do if h.policy then held[h.policy] = true end end
  local policies_out, events_out = {}, {}
  for _, p in ipairs(chosen) do
    local guid = type(p.guid) == "string" and p.guid:match("^{%x+%-%x+%-%x+%-%x+%-%x+}$") and p.guid or nil
    -- The simulator knows no "unknown": a policy the host cannot classify (Windows' store keeps
    -- no pending mark) is taken as stuck when named, as `mend fix` takes it, else as active.
    local state = p.state
    if state == "unknown" then state = #wanted > 0 and "pending_deletion" or "active" end
    local out = { name = p.name, guid = guid, description = p.description, state = state,
                  assigned = p.assigned, sa_count = p.sa_count }
    if p.source == "gpo" then   -- Group Policy's copy: the twin keeps it out of the local store too
      out.source, out.gpo = "gpo", p.gpo
      if p.gpo_assigned == false then out.gpo_assigned = false end
    end
    local blockers, why = {}, {}
    local present = p.store_key ~= "" and store.exists(p.store_key)
    if present == false then
      blockers[#blockers + 1] = "stale_memory"
      why[#why + 1] = "stale_memory: listed, but its store key is missing"
    end
    local d = facts.view and facts.view:policy(p)
    local spd_held = d and state == "pending_deletion" and d.qm and d.qm.pending
    local unexplained = state == "pending_deletion" and present and p.source ~= "gpo" and not p.assigned
                        and not held[p.name] and not spd_held
    if unexplained then
      blockers[#blockers + 1] = "store_corrupt"
      why[#why + 1] = "store_corrupt: no visible cause, so the twin assumes the worst a registry removal clears"
    end
    if state == "pending_deletion" and offloading then
      blockers[#blockers + 1] = "nic_offload"
      why[#why + 1] = "nic_offload: pending while a NIC offloads IPsec (which policies its SAs hold cannot be seen)"
    end
    -- The SPD and the event log (live captures only: a bundle's are replayed from its files).
    if spd_held then
      if d.qm.sas > 0 then
        blockers[#blockers + 1] = "spd_sas"
        why[#why + 1] = "spd_sas: its quick-mode policy is pending deletion in the SPD, kept by SAs"
      end
      if #d.orphans > 0 then
        blockers[#blockers + 1] = "orphan_filter"
        why[#why + 1] = "orphan_filter: its quick-mode policy is pending deletion in the SPD, kept by a filter"
      end
      if d.qm.sas == 0 and #d.orphans == 0 then
        blockers[#blockers + 1] = "spd_qm"
        why[#why + 1] = "spd_qm: its quick-mode policy lingers in the SPD, pending deletion, unreferenced"
      end
    end
    for _, ev in ipairs(d and d.events or {}) do
      events_out[#events_out + 1] = { policy = ev.policy, id = ev.id, source = ev.source, code = ev.code,
                                      message = ev.message }
    end
    if #blockers > 0 then out.blockers = blockers end
    if state == "pending_deletion" then
      if #why > 0 then
        out.comment = "inferred " .. table.concat(why, "; ")
                      .. (unexplained and "; a missed purge, driver_state and gpo_cache cannot be told apart" or "")
      elseif p.source == "gpo" then
        out.comment = p.gpo_assigned == false and "a stale copy in Group Policy's cache"
                      or "from Group Policy's cache: its GPO still assigns it"
      end
    end
    if p.state == "unknown" then
      out.comment = "state unknown on the host, captured as " .. state .. (#wanted > 0 and " (named)" or "")
                    .. (out.comment and ("; " .. out.comment) or "")
    end
    policies_out[#policies_out + 1] = out
  end

  -- ---- services ----
  local services_out = {}
  for name, s in pairs(facts.services or {}) do
    services_out[name] = { display_name = s.display_name, state = s.state, start_type = s.start_type,
                           depends_on = (s.depends_on and #s.depends_on > 0) and s.depends_on or nil }
  end
  for _, n in ipairs(facts.service_notes or {}) do note("%s", n) end

  -- ---- the store's registry subtree ----
  local registry_out, count = {}, { keys = 0, values = 0, bytes = 0 }
  local truncated = false
  local function skip_key(path)
    -- Another policy's key (not captured) would become a policy in the twin.
    local guid_key = path:match("\\(ipsecPolicy{[^\\]*})$")
    if not guid_key then return false end
    return not policy_by_key[nt_name(path):upper()]
  end
  local function walk(path, depth)
    if truncated then return end
    if count.keys >= LIMITS.keys then truncated = true; return end
    count.keys = count.keys + 1
    local vals = store.values(path)
    local entry = {}
    if vals then
      table.sort(vals, function(a, b) return a.name < b.name end)
      for _, v in ipairs(vals) do
        local size = type(v.data) == "string" and #v.data or 8
        if count.values >= LIMITS.values or count.bytes + size > LIMITS.bytes then truncated = true; break end
        count.values, count.bytes = count.values + 1, count.bytes + size
        entry[#entry + 1] = v
      end
    end
    registry_out[#registry_out + 1] = { path = path, values = entry }
    local subs = store.keys(path)
    if not subs or depth > 32 then return end
    table.sort(subs)
    for _, k in ipairs(subs) do
      local sub = path .. "\\" .. k
      if not skip_key(sub) then walk(sub, depth + 1) end
    end
  end
  if store.exists(STORE) then
    walk(STORE, 0)
  else
    note("the store key %s does not exist", STORE)
  end
  if truncated then
    note("truncated: the store's registry subtree was cut at %d keys, %d values, %d bytes",
         count.keys, count.values, count.bytes)
    log.warn("the store's registry subtree is larger than a capture holds; the capture is truncated")
  end

  local text = writer.scenario{
    header = {
      facts.source or string.format("A twin of this machine, written by `mend capture` (mend %s, host %s).",
                                    mend.version, mend.host),
      "Load it with --host sim:FILE; `mend check` on it reports what it reports on the machine.",
      "Blockers marked inferred are assumed from what can be seen, at their worst short of a reboot,",
      "so the twin never promises more than the machine gives; driver_state cannot be seen.",
    },
    notes = notes,
    policies = policies_out, services = services_out, processes = procs, handles = handles_out,
    nics = nics, registry = registry_out, store_nt = NT_STORE, events = events_out,
  }

  local summary = string.format("%d policies, %d holders, %d NICs, %d registry keys%s", #policies_out, #procs,
                                #nics, count.keys, truncated and " (truncated)" or "")
  return text, summary
end

return M
