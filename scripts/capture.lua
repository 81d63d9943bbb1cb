-- `mend capture`: writes this machine's IPsec-relevant state as a simulator scenario (a twin).
--
--   mend capture                      every policy, printed on standard output
--   mend capture "Corp-QM" -o twin.lua   the named policies, written to twin.lua
--   mend check --host sim:twin.lua    the twin reports what this machine reports
--
-- It only reads: policies, PolicyAgent and the services it depends on, the processes holding
-- handles on the policy store (pid and name only), NICs and their offload setting, and the
-- store's registry subtree. Nothing else leaves the machine. The output is sorted and bounded
-- so that two captures of the same machine are byte-identical.
local writer = require "lib.scenario_writer"

local STORE = "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Local"
local NT_STORE = "\\REGISTRY\\MACHINE\\SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Local"
-- PolicyAgent's own dependencies (and theirs), as Windows installs them.
local SERVICES = { "PolicyAgent", "RpcSs", "RpcEptMapper", "Tcpip", "BFE" }
-- Bounds: a store this large is not one the twin needs whole.
local LIMITS = { keys = 2000, values = 20000, bytes = 4 * 1024 * 1024, policies = 20000, handles = 20000 }

local output, wanted = nil, {}
for _, a in ipairs(mend.args) do
  local o = a:match("^%-%-output=(.*)$")
  if o then output = o else wanted[#wanted + 1] = a end
end

local notes = {}        -- comment lines for the top of the file
local function note(fmt, ...) notes[#notes + 1] = string.format(fmt, ...) end

-- ---- policies ----
local all, msg = ipsec.policies()
if not all then
  log.error("cannot list the IPsec policies: %s", msg)
  return 2
end
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
local nlist, nmsg = nic.list()
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
local hlist, hmsg = handles.holders(STORE)
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
  local listed = proc.list() or {}
  local critical = {}
  for _, p in ipairs(listed) do if p.critical then critical[p.pid] = true end end
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
local policies_out = {}
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
  local present = p.store_key ~= "" and reg.exists(p.store_key)
  if present == false then
    blockers[#blockers + 1] = "stale_memory"
    why[#why + 1] = "stale_memory: listed, but its store key is missing"
  end
  if state == "pending_deletion" and offloading then
    blockers[#blockers + 1] = "nic_offload"
    why[#why + 1] = "nic_offload: pending while a NIC offloads IPsec"
  end
  if #blockers > 0 then out.blockers = blockers end
  if state == "pending_deletion" then
    if #why > 0 then
      out.comment = "inferred " .. table.concat(why, "; ")
    elseif p.source == "gpo" then
      out.comment = p.gpo_assigned == false and "a stale copy in Group Policy's cache"
                    or "from Group Policy's cache: its GPO still assigns it"
    elseif not p.assigned then
      out.comment = "no visible cause (a missed purge?); driver_state and gpo_cache cannot be seen"
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
-- PolicyAgent's dependents too: a PolicyAgent restart on the twin must bring them back as on
-- the machine, and `mend check` flags one that is stopped.
local services = {}
for _, name in ipairs(SERVICES) do services[#services + 1] = name end
for _, name in ipairs(svc.dependents("PolicyAgent", { all = true }) or {}) do services[#services + 1] = name end
for _, name in ipairs(services) do
  local s, smsg, code = svc.query(name)
  if s then
    services_out[name] = { display_name = s.display_name, state = s.state, start_type = s.start_type,
                           depends_on = (s.depends_on and #s.depends_on > 0) and s.depends_on or nil }
  elseif code ~= "not_found" then
    note("service %s could not be queried: %s", name, smsg)
  end
end

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
  local vals = reg.values(path)
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
  local subs = reg.keys(path)
  if not subs or depth > 32 then return end
  table.sort(subs)
  for _, k in ipairs(subs) do
    local sub = path .. "\\" .. k
    if not skip_key(sub) then walk(sub, depth + 1) end
  end
end
if reg.exists(STORE) then
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
    string.format("A twin of this machine, written by `mend capture` (mend %s, host %s).", mend.version,
                  mend.host),
    "Load it with --host sim:FILE; `mend check` on it reports what it reports on the machine.",
    "Blockers marked inferred are guesses from what can be seen; driver_state, gpo_cache and",
    "store_corrupt cannot be seen, so a policy stuck only by them shows no blocker here.",
  },
  notes = notes,
  policies = policies_out, services = services_out, processes = procs, handles = handles_out,
  nics = nics, registry = registry_out, store_nt = NT_STORE,
}

local summary = string.format("%d policies, %d holders, %d NICs, %d registry keys%s", #policies_out, #procs,
                              #nics, count.keys, truncated and " (truncated)" or "")
if output then
  local f, ferr = io.open(output, "wb")
  if not f then
    log.error("cannot write the capture: %s", ferr)
    return 2
  end
  local ok, werr = f:write(text)
  local closed, cerr = f:close()
  if not ok or not closed then
    log.error("cannot write the capture to %s: %s", output, werr or cerr)
    return 2
  end
  log.info("captured %s to %s", summary, output)
else
  io.stdout:write(text)
end
mend.step{ rung = "capture", action = "capture", ok = true, target = output or "stdout", message = summary }
return 0
