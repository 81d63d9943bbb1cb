-- Writes a simulator scenario (docs/scenarios.md) as Lua text: sorted, quoted, byte-stable.
local M = {}

local function q(s)
  -- %q escapes quotes, backslashes, control bytes and newlines, so any name reads back exactly.
  return (string.format("%q", s):gsub("\\\n", "\\n"))
end
M.quote = q

local function hex(s)
  return (s:gsub(".", function(c) return string.format("%02x ", c:byte()) end):gsub(" $", ""))
end

local function key(k)
  return k:match("^[%a_][%w_]*$") and k or ("[" .. q(k) .. "]")
end

-- One registry value as the scenario's registry section takes it.
local function value(v)
  local t, d = v.type, v.data
  if t == "REG_SZ" and type(d) == "string" then return q(d) end
  if t == "REG_DWORD" and math.type(d) == "integer" then return tostring(d) end
  if t == "REG_MULTI_SZ" and type(d) == "table" and #d > 0 then
    local parts = {}
    for i, s in ipairs(d) do parts[i] = q(s) end
    return "{ " .. table.concat(parts, ", ") .. " }"
  end
  if (t == "REG_EXPAND_SZ" or t == "REG_LINK") and type(d) == "string" then
    return string.format("{ type = %q, data = %s }", t, q(d))
  end
  if t == "REG_QWORD" and math.type(d) == "integer" then
    return string.format("{ type = %q, data = %d }", t, d)
  end
  local num = type(t) == "string" and tonumber(t:match("^REG_UNKNOWN%((%d+)%)$"))
  local tt = num and tostring(num) or string.format("%q", t)
  if type(d) == "table" then d = "" end   -- an empty REG_MULTI_SZ
  return string.format("{ type = %s, hex = %q }", tt, hex(tostring(d)))
end

local function fields(t, order)
  local out = {}
  for _, k in ipairs(order) do
    local v = t[k]
    if v ~= nil then
      local s
      if type(v) == "string" then s = q(v)
      elseif type(v) == "boolean" then s = tostring(v)
      elseif math.type(v) == "integer" then s = tostring(v)
      elseif type(v) == "number" then s = string.format("%.17g", v)
      elseif type(v) == "table" then
        local parts = {}
        for i, x in ipairs(v) do parts[i] = q(x) end
        s = "{ " .. table.concat(parts, ", ") .. " }"
      end
      out[#out + 1] = key(k) .. " = " .. s
    end
  end
  return "{ " .. table.concat(out, ", ") .. " }"
end

local function comment(s)
  return (s:gsub("[%c]", " "))
end

-- s: {header = {lines}, notes = {lines}, policies, services (by name), processes, handles, nics,
--     registry = {{path, values}}}
function M.scenario(s)
  local b = {}
  local function w(line) b[#b + 1] = line end
  for _, l in ipairs(s.header or {}) do w("-- " .. comment(l)) end
  for _, l in ipairs(s.notes or {}) do w("-- NOTE: " .. comment(l)) end
  w("return {")
  w("  policies = {")
  for _, p in ipairs(s.policies) do
    local line = "    " .. fields(p, { "name", "guid", "description", "state", "assigned", "sa_count",
                                       "blockers", "source", "gpo", "gpo_assigned" }) .. ","
    if p.comment then line = line .. "  -- " .. comment(p.comment) end
    w(line)
  end
  w("  },")
  w("  services = {")
  local names = {}
  for n in pairs(s.services) do names[#names + 1] = n end
  table.sort(names)
  for _, n in ipairs(names) do
    w("    " .. key(n) .. " = " .. fields(s.services[n], { "display_name", "state", "start_type", "depends_on" }) .. ",")
  end
  w("  },")
  w("  processes = {")
  for _, p in ipairs(s.processes) do w("    " .. fields(p, { "pid", "name", "critical" }) .. ",") end
  w("  },")
  w("  handles = {")
  for _, h in ipairs(s.handles) do
    w("    " .. fields(h, { "pid", "policy", "type", "name", "handle", "access" }) .. ",")
  end
  w("  },")
  w("  nics = {")
  for _, n in ipairs(s.nics) do w("    " .. fields(n, { "name", "description", "ipsec_offload" }) .. ",") end
  w("  },")
  if s.events and #s.events > 0 then
    w("  events = {")
    for _, ev in ipairs(s.events) do w("    " .. fields(ev, { "policy", "id", "source", "code", "message" }) .. ",") end
    w("  },")
  end
  w("  registry = {")
  for _, r in ipairs(s.registry) do
    if #r.values == 0 then
      w("    [" .. q(r.path) .. "] = {},")
    else
      w("    [" .. q(r.path) .. "] = {")
      for _, v in ipairs(r.values) do w("      [" .. q(v.name) .. "] = " .. value(v) .. ",") end
      w("    },")
    end
  end
  w("  },")
  w("}")
  return table.concat(b, "\n") .. "\n"
end

return M
