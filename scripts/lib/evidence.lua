-- The evidence bundle (docs/evidence.md): written by `mend capture --evidence DIR`, read back
-- by `mend capture --from-evidence DIR` into the facts a twin is built from (lib/twin.lua).
local json = require "lib.json"
local twin = require "lib.twin"

local M = {}

M.FORMAT = "mend-evidence/1"
local LOCAL = "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Local"
local CACHE = "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Cache"
local GPT = "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\GPTIPSECPolicy"
local COMPUTER_NAME = "HKLM\\SYSTEM\\CurrentControlSet\\Control\\ComputerName\\ComputerName"
-- The IPsec services: the Policy Agent, what it needs, and the keying module beside it.
local SERVICES = { "PolicyAgent", "RpcSs", "RpcEptMapper", "Tcpip", "BFE", "IKEEXT" }

local SEP = package.config:sub(1, 1)
local function join(dir, name) return dir .. SEP .. name end

local function read_file(path)
  local f, err = io.open(path, "rb")
  if not f then return nil, err end
  local text = f:read("a")
  f:close()
  return text
end

-- netsh prints a rule's preshared key in clear ("Preshared Key : ..."): the value goes.
local function redact_netsh(text)
  local n = 0
  local out = text:gsub("([^\r\n]*[Pp][Rr][Ee]%-?[Ss][Hh][Aa][Rr][Ee][Dd][^\r\n:]*:)[^\r\n]*", function(label)
    n = n + 1
    return label .. " <redacted by mend>"
  end)
  return out, n
end
M.redact_netsh = redact_netsh

-- ---- writing ----

-- The event log's recent 0x32DF reports. A host that cannot read its event log (code
-- unsupported: Wine's stub wevtapi, no wevtapi.dll) or is refused says why in the manifest,
-- the code included, and the rest is still collected.
local function collect_events()
  local list, msg, code = events.recent()
  if not list then return nil, string.format("%s, code %s", tostring(msg), tostring(code)) end
  return list
end

function M.write(dir, force)
  local ok, msg = evidence.prepare(dir, force)
  if not ok then
    log.error("cannot write the evidence bundle: %s", msg)
    return 2
  end
  local files, redacted, problems = {}, {}, 0
  local function record(name, holds, text)
    files[#files + 1] = { name = name, holds = holds, collected = true, sha256 = evidence.sha256(text),
                          bytes = #text }
  end
  local function missing(name, holds, why)
    problems = problems + 1
    files[#files + 1] = { name = name, holds = holds, collected = false, reason = tostring(why) }
    log.warn("evidence: %s not collected: %s", name, tostring(why))
  end
  local function put(name, holds, text)
    local f, err = io.open(join(dir, name), "wb")
    local wrote, werr, closed, cerr
    if f then
      wrote, werr = f:write(text)
      closed, cerr = f:close()
    end
    if not (f and wrote and closed) then return missing(name, holds, err or werr or cerr) end
    record(name, holds, text)
  end
  -- One item: fn returns a value (or nil, why); a failure is recorded and the rest still collected.
  local function item(name, holds, fn, as_text)
    local okc, v, why = pcall(fn)
    if not okc then v, why = nil, v end
    if v == nil then return missing(name, holds, why or "no answer") end
    put(name, holds, as_text and v or json.encode(v))
  end

  -- The static store: the local store, Group Policy's cache and the value naming the GPO's policy.
  do
    local name, holds = "store.reg", "the IPsec static store as regedit exports it: " .. LOCAL .. ", " ..
                        CACHE .. " and " .. GPT .. " (rules' ipsecData blanked past the class GUID)"
    local keys, absent = {}, {}
    for _, k in ipairs{ LOCAL, CACHE, GPT } do
      local there, why = reg.exists(k)
      if there then keys[#keys + 1] = k
      elseif there == false then absent[#absent + 1] = k
      else absent[#absent + 1] = k .. " (" .. tostring(why) .. ")" end
    end
    if #keys == 0 then
      missing(name, holds, "none of the store's keys exists on this host")
    else
      local red, why = evidence.export_store(join(dir, name), keys)
      local text = red and read_file(join(dir, name))
      if not text then
        missing(name, holds, why or "the export could not be read back")
      else
        record(name, holds, text)
        files[#files].absent = #absent > 0 and absent or nil
        for _, r in ipairs(red) do redacted[#redacted + 1] = r end
      end
    end
  end
  item("policies.json", "ipsec.policies(): the policies as mend reads them (local store and GPO cache)",
       ipsec.policies)
  -- One enumeration of each SPD list per bundle.
  item("spd-qm-policies.json", "spd.qm_policies(): the SPD's quick-mode policies", spd.qm_policies)
  item("spd-filters.json", "spd.filters(): the SPD's transport and tunnel filters", spd.filters)
  item("spd-sas.json", "spd.sas(): the SPD's quick-mode security associations", spd.sas)
  for _, which in ipairs{ "static", "dynamic" } do
    item("netsh-" .. which .. ".txt", "netsh ipsec " .. which .. " show all, as printed (preshared keys redacted)",
         function()
           local text, why = evidence.ipsec_show(which)
           if not text then return nil, why end
           local out, n = redact_netsh(text)
           if n > 0 then redacted[#redacted + 1] = string.format("netsh-%s.txt: %d preshared key line(s)", which, n) end
           return out
         end, true)
  end
  item("events.json", "recent IPsec events from the event log", collect_events)
  item("services.json", "svc.query() of the IPsec services and PolicyAgent's dependents", function()
    local names, seen, out = {}, {}, {}
    for _, n in ipairs(SERVICES) do names[#names + 1] = n end
    for _, n in ipairs(svc.dependents("PolicyAgent", { all = true }) or {}) do names[#names + 1] = n end
    for _, n in ipairs(names) do
      if not seen[n] then
        seen[n] = true
        local s, why, code = svc.query(n)
        out[n] = s or { error = why, code = code }
      end
    end
    return out
  end)
  item("nics.json", "nic.list(): the network adapters and their IPsec task offload", nic.list)
  item("handles.json", "handles.holders() of the local store (pid, process, access) and the critical pids",
       function()
         local holders, why = handles.holders(twin.STORE)
         if not holders then return nil, why end
         local critical = {}
         for _, p in ipairs(proc.list() or {}) do
           if p.critical then critical[#critical + 1] = p.pid end
         end
         table.sort(critical)
         return { holders = holders, critical = critical }
       end)

  local computer = reg.get(COMPUTER_NAME, "ComputerName")
  local manifest = {
    format = M.FORMAT, mend = mend.version, host = mend.host,
    computer = type(computer) == "string" and computer or os.getenv("COMPUTERNAME") or "unknown",
    time_utc = os.date("!%Y-%m-%dT%H:%M:%SZ"), files = files, redacted = redacted,
    excluded = {
      "preshared keys: a rule's ipsecData (its authentication methods) is zeroed past its class GUID; "
        .. "netsh's Preshared Key lines lose their value",
      "anything outside the IPsec store keys, the SPD, the named services, the adapters' offload setting and the store's handle holders",
    },
  }
  local text = json.encode(manifest)
  local f, err = io.open(join(dir, "manifest.json"), "wb")
  if not f or not f:write(text) or not f:close() then
    log.error("cannot write %s: %s", join(dir, "manifest.json"), tostring(err))
    return 2
  end
  local collected = #files - problems
  log.info("evidence bundle written to %s: %d of %d items collected%s", dir, collected, #files,
           #redacted > 0 and string.format(", %d %s redacted", #redacted, #redacted == 1 and "secret" or "secrets") or "")
  mend.step{ rung = "capture", action = "evidence", ok = true, target = dir,
             message = string.format("%d of %d items collected", collected, #files) }
  return 0
end

-- ---- reading ----

-- A registry over the keys of a parsed .reg file: what lib/twin.lua and the store reader ask.
local function parsed_store(entries)
  local by, children = {}, {}
  local function add_child(parent, name)
    local up = parent:upper()
    local list = children[up]
    if not list then list = { seen = {} }; children[up] = list end
    if not list.seen[name:upper()] then
      list.seen[name:upper()] = true
      list[#list + 1] = name
    end
  end
  for _, e in ipairs(entries) do
    by[e.path:upper()] = e
    local path = e.path
    while true do
      local parent, leaf = path:match("^(.*)\\([^\\]+)$")
      if not parent then break end
      add_child(parent, leaf)
      path = parent
    end
  end
  local s = {}
  function s.exists(path) return by[path:upper()] ~= nil or children[path:upper()] ~= nil end
  function s.keys(path)
    if not s.exists(path) then return nil, path .. ": not in the bundle's store.reg", "not_found" end
    local out = {}
    for i, k in ipairs(children[path:upper()] or {}) do out[i] = k end
    return out
  end
  function s.values(path)
    if not s.exists(path) then return nil, path .. ": not in the bundle's store.reg", "not_found" end
    local e = by[path:upper()]
    local out = {}
    for i, v in ipairs(e and e.values or {}) do out[i] = v end
    return out
  end
  function s.value(path, name)
    for _, v in ipairs(s.values(path) or {}) do
      if v.name:lower() == name:lower() then return v.data end
    end
  end
  return s
end

local function list_of(v)
  if type(v) == "table" then return v end
  if type(v) == "string" then return { v } end
  return {}
end

-- The policies as the Windows host reads them from the store (win_store_read.c), their state
-- from the SPD: pending when the quick-mode policy their rules' filter action became says so.
local function derive_policies(store, qm, sas)
  local qm_by_name, sa_count = {}, {}
  for _, q in ipairs(qm or {}) do qm_by_name[q.name] = q end
  for _, s in ipairs(sas or {}) do sa_count[s.qm_policy] = (sa_count[s.qm_policy] or 0) + 1 end
  local active = store.value(LOCAL, "ActivePolicy")
  local dspath = store.value(GPT, "DSIPSECPolicyPath")
  local gpo_name = store.value(GPT, "GPOName")
  local out = {}
  for _, dir in ipairs{ LOCAL, CACHE } do
    for _, k in ipairs(store.keys(dir) or {}) do
      if k:lower():find("^ipsecpolicy{") then
        local key = dir .. "\\" .. k
        local p = { name = store.value(key, "ipsecName") or "", description = store.value(key, "description") or "",
                    guid = store.value(key, "ipsecID") or k:sub(12), store_key = key, sa_count = 0,
                    source = dir == LOCAL and "local" or "gpo", assigned = false }
        if dir == LOCAL then
          p.assigned = type(active) == "string" and active:lower():find(k:lower(), 1, true) ~= nil
        else
          p.gpo_assigned = type(dspath) == "string" and dspath:lower():find(k:lower(), 1, true) ~= nil
          p.gpo = p.gpo_assigned and ((gpo_name ~= "" and gpo_name) or dspath)
                  or "none recorded: GPTIPSECPolicy does not name it"
        end
        -- policy -> rules -> filter action: its name is the quick-mode policy's in the SPD.
        local state = "unknown"
        for _, nfa in ipairs(list_of(store.value(key, "ipsecNFAReference"))) do
          local negpol = store.value("HKLM\\" .. nfa:gsub("^HKLM\\", ""), "ipsecNegotiationPolicyReference")
          local fa = negpol and store.value("HKLM\\" .. negpol:gsub("^HKLM\\", ""), "ipsecName")
          local q = fa and qm_by_name[fa]
          if q then
            p.sa_count = p.sa_count + (sa_count[fa] or 0)
            if q.pending_deletion == true then state = "pending_deletion"
            elseif q.pending_deletion == false and state == "unknown" then state = "active" end
          end
        end
        p.state = state
        if state == "unknown" then p.state_reason = "the bundle's SPD does not hold its quick-mode policy" end
        out[#out + 1] = p
      end
    end
  end
  return out
end

-- A bundle comes from elsewhere: each JSON item must have the shape mend writes, or it is set
-- aside like an item not collected. A spec maps a field to its type ("string!" when required);
-- fields it does not name pass as they are.
local function shape_error(v, spec, where)
  if type(v) ~= "table" then return string.format("%s is a %s, not an object", where, type(v)) end
  for field, want in pairs(spec) do
    local t, required = want:gsub("!$", "")
    local got = v[field]
    if (got ~= nil or required > 0) and type(got) ~= t then
      return string.format("%s.%s is %s, not a %s", where, field, got == nil and "missing" or ("a " .. type(got)), t)
    end
  end
end

local function list_error(v, spec, where)
  if type(v) ~= "table" then return string.format("%s is a %s, not a list", where, type(v)) end
  for i, row in ipairs(v) do
    local err = shape_error(row, spec, string.format("%s[%d]", where, i))
    if err then return err end
  end
end

local function values_error(v, t, where)
  if type(v) ~= "table" then return string.format("%s is a %s, not a list", where, type(v)) end
  for i, x in ipairs(v) do
    if type(x) ~= t then return string.format("%s[%d] is a %s, not a %s", where, i, type(x), t) end
  end
end

local POLICY = { name = "string!", store_key = "string!", state = "string", guid = "string", description = "string",
                 sa_count = "number", assigned = "boolean", source = "string", gpo = "string", gpo_assigned = "boolean" }
local NIC = { name = "string!", description = "string", ipsec_offload = "boolean" }
local HOLDER = { pid = "number!", handle = "number!", name = "string!", process = "string", type = "string" }
local SERVICE = { state = "string", display_name = "string", start_type = "string", depends_on = "table" }
local SHAPES = {
  ["policies.json"] = function(v) return list_error(v, POLICY, "policies") end,
  ["nics.json"] = function(v) return list_error(v, NIC, "nics") end,
  ["spd-qm-policies.json"] = function(v) return list_error(v, { name = "string!", pending_deletion = "boolean" }, "qm_policies") end,
  ["spd-sas.json"] = function(v) return list_error(v, { qm_policy = "string" }, "sas") end,
  ["handles.json"] = function(v)
    return shape_error(v, { holders = "table", critical = "table" }, "handles")
      or list_error(v.holders or {}, HOLDER, "holders") or values_error(v.critical or {}, "number", "critical")
  end,
  ["services.json"] = function(v)
    if type(v) ~= "table" then return "services is a " .. type(v) .. ", not an object" end
    for name, sv in pairs(v) do
      local err = shape_error(sv, SERVICE, "services." .. tostring(name))
        or values_error(type(sv) == "table" and sv.depends_on or {}, "string", "services." .. tostring(name) .. ".depends_on")
      if err then return err end
    end
  end,
}

-- Reads the bundle at dir: the facts for lib/twin.lua, or nil and why.
function M.read(dir)
  local mtext, merr = read_file(join(dir, "manifest.json"))
  if not mtext then return nil, "no manifest.json: " .. tostring(merr) end
  local manifest, jerr = json.decode(mtext)
  if type(manifest) ~= "table" then return nil, "manifest.json: " .. tostring(jerr or "not a JSON object") end
  if manifest.format ~= M.FORMAT then
    return nil, string.format("manifest.json: format %q is not %s", tostring(manifest.format), M.FORMAT)
  end
  local facts = { notes = {}, critical = {}, services = {}, service_notes = {} }
  local function note(fmt, ...)
    local s = string.format(fmt, ...)
    facts.notes[#facts.notes + 1] = s
    log.warn("%s", s)
  end
  local entry = {}
  for _, f in ipairs(manifest.files or {}) do if type(f) == "table" and f.name then entry[f.name] = f end end
  -- A file the manifest lists as collected, its hash checked; nil and why otherwise.
  local function get(name)
    local f = entry[name]
    if not f then return nil, name .. " is not in the manifest" end
    if f.collected == false then return nil, name .. " was not collected: " .. tostring(f.reason) end
    local text, err = read_file(join(dir, name))
    if not text then return nil, tostring(err) end
    if f.sha256 and evidence.sha256(text) ~= f.sha256 then
      note("%s does not match its sha256 in the manifest (changed since it was written)", name)
    end
    return text
  end
  local function get_json(name)
    local text, why = get(name)
    if not text then return nil, why end
    local v, err = json.decode(text)
    if v == nil then return nil, name .. ": " .. tostring(err) end
    local bad = SHAPES[name] and SHAPES[name](v)
    if bad then
      note("%s is set aside: %s", name, bad)
      return nil, name .. ": " .. bad
    end
    return v
  end

  if get("store.reg") then
    local entries, why = reg.parse(join(dir, "store.reg"))
    if not entries then return nil, "store.reg: " .. tostring(why) end
    facts.store = parsed_store(entries)
  else
    note("the bundle holds no store.reg: the twin has no store registry")
    facts.store = parsed_store({})
  end
  local qm, qerr = get_json("spd-qm-policies.json")
  local sas = get_json("spd-sas.json")
  local policies, perr = get_json("policies.json")
  if policies then
    facts.policies = policies
  else
    -- Without mend's own reading, read the store as the Windows host does.
    facts.policies = derive_policies(facts.store, qm, sas)
    note("policies read from store.reg (%s); their state from the SPD%s", perr,
         qm and "" or (" which is missing too (" .. tostring(qerr) .. ")"))
  end
  facts.nics, facts.nics_error = get_json("nics.json")
  local h, herr = get_json("handles.json")
  if h then
    facts.holders = h.holders or {}
    for _, pid in ipairs(h.critical or {}) do facts.critical[pid] = true end
  else
    facts.holders_error = herr
  end
  local services, serr = get_json("services.json")
  for name, s in pairs(services or {}) do
    if type(s) == "table" and s.state then
      facts.services[name] = s
    elseif type(s) == "table" and s.code ~= "not_found" then
      facts.service_notes[#facts.service_notes + 1] = string.format("service %s could not be queried: %s",
                                                                    name, tostring(s.error))
    end
  end
  if not services then facts.service_notes[#facts.service_notes + 1] = "services: " .. tostring(serr) end
  facts.source = string.format("A twin of %s from the evidence bundle %s (mend %s, host %s, %s), written by "
                               .. "`mend capture --from-evidence`.", tostring(manifest.computer), dir,
                               tostring(manifest.mend), tostring(manifest.host), tostring(manifest.time_utc))
  return facts
end

return M
