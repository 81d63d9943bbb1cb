-- JSON text for the evidence bundle: encode with sorted keys (byte-stable), decode what it wrote.
local M = {}

local ESC = { ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\f"] = "\\f", ["\n"] = "\\n",
              ["\r"] = "\\r", ["\t"] = "\\t" }

local function str(s)
  local body = s:gsub('[%c"\\]', function(c) return ESC[c] or string.format("\\u%04x", c:byte()) end)
  -- JSON is UTF-8 text: bytes that are not become '?' (as in mend's report).
  if not utf8.len(body) then body = body:gsub("[\128-\255]", "?") end
  return '"' .. body .. '"'
end

local function is_array(t)
  local n = #t
  for k in pairs(t) do
    if math.type(k) ~= "integer" or k < 1 or k > n then return false end
  end
  return true
end

local function enc(v, indent, out)
  local t = type(v)
  if t == "nil" then out[#out + 1] = "null"
  elseif t == "boolean" then out[#out + 1] = tostring(v)
  elseif math.type(v) == "integer" then out[#out + 1] = tostring(v)
  elseif t == "number" then
    out[#out + 1] = (v ~= v or v == math.huge or v == -math.huge) and "null" or string.format("%.17g", v)
  elseif t == "string" then out[#out + 1] = str(v)
  elseif t == "table" then
    local inner = indent .. "  "
    if is_array(v) then
      if #v == 0 then out[#out + 1] = "[]"; return end
      out[#out + 1] = "[\n"
      for i, x in ipairs(v) do
        out[#out + 1] = inner
        enc(x, inner, out)
        out[#out + 1] = i < #v and ",\n" or "\n"
      end
      out[#out + 1] = indent .. "]"
    else
      local keys = {}
      for k in pairs(v) do keys[#keys + 1] = tostring(k) end
      table.sort(keys)
      out[#out + 1] = "{\n"
      for i, k in ipairs(keys) do
        local x = v[k]
        if x == nil then x = v[tonumber(k)] end
        out[#out + 1] = inner .. str(k) .. ": "
        enc(x, inner, out)
        out[#out + 1] = i < #keys and ",\n" or "\n"
      end
      out[#out + 1] = indent .. "}"
    end
  else
    error("cannot write a " .. t .. " as JSON", 3)
  end
end

-- Pretty-printed, keys sorted, ending in a newline. An empty table is [].
function M.encode(v)
  local out = {}
  enc(v, "", out)
  out[#out + 1] = "\n"
  return table.concat(out)
end

-- Decoding: nil, message on malformed text (the message names the byte offset).
local decode_value

local function skip(s, i)
  return s:find("[^ \t\r\n]", i) or #s + 1
end

local function fail(i, what) error({ json = string.format("byte %d: %s", i, what) }, 0) end

local function decode_string(s, i)
  local parts, j = {}, i + 1
  while true do
    local c = s:sub(j, j)
    if c == "" then fail(i, "unterminated string") end
    if c == '"' then return table.concat(parts), j + 1 end
    if c == "\\" then
      local e = s:sub(j + 1, j + 1)
      local simple = ({ ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n", r = "\r", t = "\t" })[e]
      if simple then
        parts[#parts + 1] = simple
        j = j + 2
      elseif e == "u" then
        local hex = s:match("^%x%x%x%x", j + 2)
        if not hex then fail(j, "bad \\u escape") end
        local cp = tonumber(hex, 16)
        j = j + 6
        local lo = cp >= 0xD800 and cp < 0xDC00 and s:match("^\\u(%x%x%x%x)", j)
        if lo then
          cp = 0x10000 + ((cp - 0xD800) << 10) + (tonumber(lo, 16) - 0xDC00)
          j = j + 6
        end
        parts[#parts + 1] = utf8.char(cp)
      else
        fail(j, "bad escape")
      end
    else
      local k = s:find('["\\]', j) or #s + 1
      parts[#parts + 1] = s:sub(j, k - 1)
      j = k
    end
  end
end

function decode_value(s, i, depth)
  if depth > 100 then fail(i, "nested too deep") end
  i = skip(s, i)
  local c = s:sub(i, i)
  if c == "{" then
    local obj = {}
    i = skip(s, i + 1)
    if s:sub(i, i) == "}" then return obj, i + 1 end
    while true do
      if s:sub(i, i) ~= '"' then fail(i, "expected a key") end
      local k
      k, i = decode_string(s, i)
      i = skip(s, i)
      if s:sub(i, i) ~= ":" then fail(i, "expected ':'") end
      obj[k], i = decode_value(s, i + 1, depth + 1)
      i = skip(s, i)
      local d = s:sub(i, i)
      if d == "}" then return obj, i + 1 end
      if d ~= "," then fail(i, "expected ',' or '}'") end
      i = skip(s, i + 1)
    end
  elseif c == "[" then
    local arr = {}
    i = skip(s, i + 1)
    if s:sub(i, i) == "]" then return arr, i + 1 end
    while true do
      arr[#arr + 1], i = decode_value(s, i, depth + 1)
      i = skip(s, i)
      local d = s:sub(i, i)
      if d == "]" then return arr, i + 1 end
      if d ~= "," then fail(i, "expected ',' or ']'") end
      i = i + 1
    end
  elseif c == '"' then
    return decode_string(s, i)
  elseif s:find("^true", i) then return true, i + 4
  elseif s:find("^false", i) then return false, i + 5
  elseif s:find("^null", i) then return nil, i + 4
  else
    local num = s:match("^-?%d+%.?%d*[eE]?[-+]?%d*", i)
    if not num or num == "" then fail(i, "unexpected character") end
    local n = math.tointeger(tonumber(num)) or tonumber(num)
    if not n then fail(i, "bad number") end
    return n, i + #num
  end
end

function M.decode(s)
  local ok, v, i = pcall(decode_value, s, 1, 0)
  if not ok then
    if type(v) == "table" and v.json then return nil, v.json end
    error(v, 0)
  end
  if skip(s, i) <= #s then return nil, string.format("byte %d: text after the value", skip(s, i)) end
  return v
end

return M
