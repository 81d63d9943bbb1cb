-- A rung's format, checked when the driver loads it (as NSE checks its scripts): required
-- fields and their types, unknown keys refused by name, exactly one of each/act, a known gate.
--
--   { name = "x", tells = "one sentence for the admin", gate = "kill"|"registry"|"reboot"|"nic",
--     when = "<kind>" | applies = function(ctx, p),
--     act = function(ctx, set) | each = function(ctx, p), done = function(ctx, set),
--     last_resort = true }
local ctx_mod = require "lib.ctx"

local M = {}

local FIELDS = {
  name = "string", tells = "string", gate = "string", when = "string", applies = "function",
  act = "function", each = "function", done = "function", last_resort = "boolean",
}
local ORDER = { "name", "tells", "gate", "when", "applies", "act", "each", "done", "last_resort" }

local function known_kinds()
  local list = {}
  for k in pairs(ctx_mod.KINDS) do list[#list + 1] = k end
  table.sort(list)
  return table.concat(list, ", ")
end

-- Returns the rung, or nil and a sentence naming the rung, where it came from and the fault.
function M.check(rung, where)
  local label = where and string.format(" (%s)", where) or ""
  if type(rung) ~= "table" then
    return nil, string.format("rung%s is a %s, not a table", label, type(rung))
  end
  local who = string.format("rung '%s'%s", tostring(rung.name or "?"), label)
  for k in pairs(rung) do
    if not FIELDS[k] then
      return nil, string.format("%s: unknown field '%s' (a rung has %s)", who, tostring(k), table.concat(ORDER, ", "))
    end
  end
  for _, k in ipairs({ "name", "tells" }) do
    if rung[k] == nil or rung[k] == "" then return nil, string.format("%s: the field '%s' is missing", who, k) end
  end
  for _, k in ipairs(ORDER) do
    if rung[k] ~= nil and type(rung[k]) ~= FIELDS[k] then
      return nil, string.format("%s: '%s' must be a %s, not a %s", who, k, FIELDS[k], type(rung[k]))
    end
  end
  if (rung.each ~= nil) == (rung.act ~= nil) then
    return nil, string.format("%s: it needs exactly one of 'each' (per policy) and 'act' (once for the set)", who)
  end
  if rung.when and rung.applies then
    return nil, string.format("%s: 'when' is the shorthand for 'applies'; give one of them", who)
  end
  if rung.when and not ctx_mod.KINDS[rung.when] then
    return nil, string.format("%s: when = '%s' is not a kind the ladder sets (%s)", who, rung.when, known_kinds())
  end
  if rung.gate and not pcall(mend.allowed, rung.gate) then
    return nil, string.format("%s: gate '%s' is not a capability (kill, registry, reboot, nic)", who, rung.gate)
  end
  return rung
end

-- Checks or raises (a script error: mend exits 2).
function M.assert(rung, where)
  local ok, msg = M.check(rung, where)
  if not ok then error(msg, 0) end
  return rung
end

-- Loads a rung from module `modname` (require's search path: the script's folder, MEND_PATH,
-- then mend's scripts) and checks it.
function M.load(modname)
  local found, rung = pcall(require, modname)
  if not found then error(string.format("rung %s cannot be loaded: %s", modname, tostring(rung)), 0) end
  return M.assert(rung, package.searchpath and package.searchpath(modname, package.path) or modname)
end

-- Whether the rung is worth trying on p: `when` names the kind, else `applies` decides.
function M.applies(rung, ctx, p)
  if rung.when then return p.kind == rung.when end
  return rung.applies == nil or rung.applies(ctx, p)
end

return M
