-- The Lua test harness for API tests: checks that stop the test with file:line of the caller.
local t = {}

local checks = 0

local function show(v, depth, seen)
  depth = depth or 0
  seen = seen or {}
  if type(v) == "string" then
    return string.format("%q", v)
  elseif type(v) ~= "table" then
    return tostring(v)
  elseif seen[v] or depth > 4 then
    return "{...}"
  end
  seen[v] = true
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b)
    if type(a) == type(b) and (type(a) == "number" or type(a) == "string") then return a < b end
    return type(a) < type(b)
  end)
  local parts = {}
  for _, k in ipairs(keys) do
    local ks = (type(k) == "string" and k:match("^[%a_][%w_]*$")) and k or ("[" .. show(k) .. "]")
    parts[#parts + 1] = ks .. "=" .. show(v[k], depth + 1, seen)
  end
  return "{" .. table.concat(parts, ", ") .. "}"
end
t.show = show

local function deep_eq(a, b)
  if a == b then return true end
  if type(a) ~= "table" or type(b) ~= "table" then return false end
  for k, v in pairs(a) do
    if not deep_eq(v, b[k]) then return false end
  end
  for k in pairs(b) do
    if a[k] == nil then return false end
  end
  return true
end

-- Stops the test; level 1 is the test line that called the check.
local function fail(msg, level)
  error(msg, (level or 1) + 2)
end
t.fail = function(msg) fail(msg, 1) end

-- t.eq(actual, expected[, what]): deep equality for tables.
function t.eq(actual, expected, what)
  checks = checks + 1
  if not deep_eq(actual, expected) then
    fail(string.format("%sexpected %s, got %s", what and (what .. ": ") or "", show(expected), show(actual)))
  end
  return actual
end

-- t.ok(v, ...): v is truthy; on failure shows the rest (the message and code of a failed call).
function t.ok(v, ...)
  checks = checks + 1
  if not v then
    local rest = table.pack(...)
    local extra = {}
    for i = 1, rest.n do extra[#extra + 1] = show(rest[i]) end
    fail(string.format("expected a true value, got %s%s", show(v),
      #extra > 0 and (" (" .. table.concat(extra, ", ") .. ")") or ""))
  end
  return v, ...
end

-- t.err(code, fn, ...): fn(...) returns nil, a non-empty message and exactly this code.
-- Returns the message.
function t.err(code, fn, ...)
  checks = checks + 1
  local r = table.pack(fn(...))
  if r[1] ~= nil or type(r[2]) ~= "string" or r[2] == "" or r[3] ~= code then
    local got = {}
    for i = 1, math.max(r.n, 1) do got[#got + 1] = show(r[i]) end
    fail(string.format("expected nil, <message>, %q; got %s", code, table.concat(got, ", ")))
  end
  return r[2]
end

-- t.raises(pattern, fn, ...): fn(...) raises an error whose text contains pattern (plain text;
-- nil accepts any). Returns the error text.
function t.raises(pattern, fn, ...)
  checks = checks + 1
  local ok, err = pcall(fn, ...)
  if ok then
    fail("expected an error" .. (pattern and (" containing " .. show(pattern)) or "") .. ", but the call succeeded")
  end
  local text = tostring(err)
  if pattern and not text:find(pattern, 1, true) then
    fail(string.format("expected an error containing %s, got %s", show(pattern), show(text)))
  end
  return text
end

-- t.contains(s, part[, what]): plain substring.
function t.contains(s, part, what)
  checks = checks + 1
  if type(s) ~= "string" or not s:find(part, 1, true) then
    fail(string.format("%sexpected %s to contain %s", what and (what .. ": ") or "", show(s), show(part)))
  end
  return s
end

-- t.find(list, pred): the first item where pred(item) is true, or nil.
function t.find(list, pred)
  for _, v in ipairs(list) do
    if pred(v) then return v end
  end
  return nil
end

-- t.field(list, key, value): the first item with item[key] == value, or nil.
function t.field(list, key, value)
  return t.find(list, function(v) return v[key] == value end)
end

-- Ends the test: returns the exit code for `return t.finish()`.
function t.finish()
  io.stderr:write(string.format("ok: %d checks\n", checks))
  return 0
end

return t
