-- The end-to-end test kit (stock lua5.4): runs the real mend binary on a scenario copy, decodes its JSON report.
local M = {}

-- ---- a small strict JSON decoder (objects, arrays, strings with \u escapes, numbers, literals) ----

local function decode_error(s, i, what)
  error(string.format("bad JSON at byte %d: %s near %q", i, what, s:sub(i, i + 20)), 0)
end

local function skip(s, i)
  return s:find("[^ \t\r\n]", i) or #s + 1
end

local function utf8_of(cp)
  return utf8.char(cp)
end

local decode_value

local function decode_string(s, i)
  local out, j = {}, i + 1
  while true do
    local c = s:sub(j, j)
    if c == "" then decode_error(s, i, "unterminated string") end
    if c == '"' then return table.concat(out), j + 1 end
    if c == "\\" then
      local e = s:sub(j + 1, j + 1)
      local map = { ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n", r = "\r", t = "\t" }
      if map[e] then
        out[#out + 1] = map[e]
        j = j + 2
      elseif e == "u" then
        local cp = tonumber(s:sub(j + 2, j + 5), 16) or decode_error(s, j, "bad \\u escape")
        j = j + 6
        if cp >= 0xD800 and cp <= 0xDBFF and s:sub(j, j + 1) == "\\u" then
          local lo = tonumber(s:sub(j + 2, j + 5), 16)
          if lo and lo >= 0xDC00 and lo <= 0xDFFF then
            cp = 0x10000 + (cp - 0xD800) * 0x400 + (lo - 0xDC00)
            j = j + 6
          end
        end
        out[#out + 1] = utf8_of(cp)
      else
        decode_error(s, j, "bad escape")
      end
    elseif c:byte() < 0x20 then
      decode_error(s, j, "control character in string")
    else
      local k = s:find('["\\%c]', j) or #s + 1
      out[#out + 1] = s:sub(j, k - 1)
      j = k
    end
  end
end

function decode_value(s, i)
  i = skip(s, i)
  local c = s:sub(i, i)
  if c == "{" then
    local obj = {}
    i = skip(s, i + 1)
    if s:sub(i, i) == "}" then return obj, i + 1 end
    while true do
      if s:sub(i, i) ~= '"' then decode_error(s, i, "expected a key") end
      local k
      k, i = decode_string(s, i)
      i = skip(s, i)
      if s:sub(i, i) ~= ":" then decode_error(s, i, "expected ':'") end
      obj[k], i = decode_value(s, i + 1)
      i = skip(s, i)
      local d = s:sub(i, i)
      if d == "}" then return obj, i + 1 end
      if d ~= "," then decode_error(s, i, "expected ',' or '}'") end
      i = skip(s, i + 1)
    end
  elseif c == "[" then
    local arr = {}
    i = skip(s, i + 1)
    if s:sub(i, i) == "]" then return arr, i + 1 end
    while true do
      arr[#arr + 1], i = decode_value(s, i)
      i = skip(s, i)
      local d = s:sub(i, i)
      if d == "]" then return arr, i + 1 end
      if d ~= "," then decode_error(s, i, "expected ',' or ']'") end
      i = i + 1
    end
  elseif c == '"' then
    return decode_string(s, i)
  elseif s:find("^true", i) then return true, i + 4
  elseif s:find("^false", i) then return false, i + 5
  elseif s:find("^null", i) then return M.null, i + 4
  else
    local num = s:match("^-?%d+%.?%d*[eE]?[-+]?%d*", i)
    if not num or num == "" then decode_error(s, i, "unexpected character") end
    return tonumber(num) or decode_error(s, i, "bad number"), i + #num
  end
end

M.null = setmetatable({}, { __tostring = function() return "null" end })

function M.decode(s)
  local v, i = decode_value(s, 1)
  i = skip(s, i)
  if i <= #s then decode_error(s, i, "trailing data") end
  return v
end

-- ---- files and processes ----

function M.read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

function M.write(path, data)
  local f = assert(io.open(path, "wb"))
  f:write(data)
  f:close()
end

function M.shq(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

function M.exists(path)
  local f = io.open(path, "rb")
  if f then f:close() return true end
  return false
end

function M.listdir(dir)
  local out = {}
  local p = io.popen("ls -1 " .. M.shq(dir) .. " 2>/dev/null")
  for line in p:lines() do out[#out + 1] = line end
  p:close()
  return out
end

-- The scenario (or saved state) as a table: it is plain data returning a table.
function M.load_state(path)
  local src = assert(M.read(path), "no state file " .. path)
  local chunk = assert(load(src, "=" .. path, "t", { math = math, string = string, table = table }))
  return chunk()
end

-- The names of a scenario's policies pending deletion, in its order.
function M.pending_in(path)
  local names = {}
  for _, p in ipairs(M.load_state(path).policies or {}) do
    if p.state == "pending_deletion" then names[#names + 1] = p.name end
  end
  return names
end

-- Image name -> pid of the processes in a run's saved state (killed ones without autostart are gone).
function M.processes(work)
  local have = {}
  for _, p in ipairs(M.load_state(work .. "/state.lua").processes or {}) do have[p.name] = p.pid end
  return have
end

M.MEND = os.getenv("MEND") or error("set MEND to the mend executable")
M.SRC = os.getenv("MEND_SOURCE_DIR") or error("set MEND_SOURCE_DIR to the source tree")
M.TMP = os.getenv("MEND_TEST_TMP") or "/tmp"

-- A fresh work folder for one test, with its own state dir (journal, backups) and state file.
function M.workdir(name)
  local dir = M.TMP .. "/e2e-" .. name
  os.execute("rm -rf " .. M.shq(dir) .. " && mkdir -p " .. M.shq(dir .. "/state"))
  return dir
end

-- Runs mend with args (a list) on the work folder's state; returns {rc, report, stdout, stderr}.
-- opts.stdin: a file to feed on stdin; opts.json=false: no --json; opts.host=false: no --host.
function M.mend(work, args, opts)
  opts = opts or {}
  local parts = { "MEND_DATA_DIR=" .. M.shq(M.SRC), "MEND_STATE_DIR=" .. M.shq(work .. "/state"), M.shq(M.MEND) }
  -- Options first: after `run SCRIPT` everything belongs to the script.
  if opts.host ~= false then
    parts[#parts + 1] = "--host"
    parts[#parts + 1] = M.shq("sim:" .. work .. "/state.lua")
  end
  if opts.json ~= false then parts[#parts + 1] = "--json" end
  for _, a in ipairs(args) do parts[#parts + 1] = M.shq(a) end
  local cmd = table.concat(parts, " ")
  if opts.stdin then cmd = cmd .. " < " .. M.shq(opts.stdin) else cmd = cmd .. " < /dev/null" end
  cmd = cmd .. " > " .. M.shq(work .. "/stdout") .. " 2> " .. M.shq(work .. "/stderr")
  local _, how, code = os.execute(cmd)
  local rc = how == "exit" and code or 128 + code
  local res = { rc = rc, stdout = M.read(work .. "/stdout") or "", stderr = M.read(work .. "/stderr") or "",
                cmd = cmd }
  if opts.json ~= false and res.stdout:find("%S") then
    local ok, doc = pcall(M.decode, res.stdout)
    if ok then res.report = doc else res.json_error = doc end
    M.keep_report(work, res.stdout)
  end
  return res
end

-- Every report a case sees is kept, and validated against docs/report.schema.json at the end.
local kept = 0
function M.keep_report(work, text)
  kept = kept + 1
  os.execute("mkdir -p " .. M.shq(work .. "/reports"))
  M.write(string.format("%s/reports/%04d.json", work, kept), text)
end

-- Validates the kept reports (python3 with jsonschema; CI installs python3-jsonschema).
function M.validate_reports(work)
  if kept == 0 then return end
  local cmd = string.format("python3 %s %s %s/reports/*.json > %s 2>&1", M.shq(M.SRC .. "/tests/tools/validate_reports.py"),
                            M.shq(M.SRC .. "/docs/report.schema.json"), M.shq(work), M.shq(work .. "/schema.out"))
  local ok = os.execute(cmd)
  M.check(ok, "reports do not match docs/report.schema.json:\n%s", M.read(work .. "/schema.out") or "")
end

-- The simulator writes its state back in its own normal form after every run: a run of a script
-- that does nothing brings a scenario into that form, so "unchanged" can be compared by bytes.
function M.normalize(work)
  M.write(work .. "/noop.lua", "return 0\n")
  local res = M.mend(work, { "run", work .. "/noop.lua" }, { json = false })
  assert(res.rc == 0, "normalizing the state failed: " .. res.stderr)
  return M.read(work .. "/state.lua")
end

-- ---- assertions that say what was expected ----

local failures = 0

function M.check(cond, fmt, ...)
  if not cond then
    failures = failures + 1
    io.stderr:write("FAIL: " .. string.format(fmt, ...) .. "\n")
  end
  return cond
end

function M.eq(got, want, what)
  return M.check(got == want, "%s: got %s, want %s", what, tostring(got), tostring(want))
end

function M.failures() return failures end

function M.policy(report, name)
  for _, p in ipairs(report and report.policies or {}) do
    if p.name == name then return p end
  end
  return nil
end

function M.advice_has(report, text)
  for _, a in ipairs(report and report.advice or {}) do
    if a:find(text, 1, true) then return true end
  end
  return false
end

function M.state_policy(state, name)
  for _, p in ipairs(state.policies or {}) do
    if p.name == name then return p end
  end
  return nil
end

-- Checks one run against a table of expectations (see tests/e2e/cases/README.md).
function M.expect(res, want, label)
  label = label or table.concat(want.args or {}, " ")
  if want.exit then
    M.check(res.rc == want.exit, "[%s] exit code %d, want %d\nstderr:\n%s", label, res.rc, want.exit, res.stderr)
  end
  local r = res.report
  if not M.check(r ~= nil, "[%s] no JSON report (%s)\nstdout:\n%s\nstderr:\n%s", label,
                 tostring(res.json_error), res.stdout, res.stderr) then
    return
  end
  if want.outcome then M.eq(r.outcome, want.outcome, label .. ": run outcome") end
  if want.count then M.eq(#r.policies, want.count, label .. ": number of policies in the report") end
  for name, fields in pairs(want.policies or {}) do
    local p = M.policy(r, name)
    if M.check(p ~= nil, "[%s] policy %q missing from the report", label, name) then
      for k, v in pairs(fields) do
        local got = p[k]
        if got == M.null then got = nil end
        if v == M.null then v = nil end
        M.check(got == v, "[%s] %s.%s = %s, want %s", label, name, k, tostring(got), tostring(v))
      end
    end
  end
  for k, v in pairs(want.actions or {}) do
    M.eq(r.actions[k], v, label .. ": actions." .. k)
  end
  for k, v in pairs(want.actions_max or {}) do
    M.check((r.actions[k] or 0) <= v, "[%s] actions.%s = %s, want at most %d", label, k, tostring(r.actions[k]), v)
  end
  for i, text in ipairs(want.advice or {}) do
    M.check(M.advice_has(r, text), "[%s] no advice line contains %q; advice:\n  %s", label, text,
            table.concat(r.advice or {}, "\n  "))
  end
  if want.advice_first then
    M.check(r.advice and r.advice[1] and r.advice[1]:find(want.advice_first, 1, true),
            "[%s] the first advice line should contain %q; got %q", label, want.advice_first,
            tostring(r.advice and r.advice[1]))
  end
  for _, text in ipairs(want.stderr or {}) do
    M.check(res.stderr:find(text, 1, true) ~= nil, "[%s] stderr lacks %q:\n%s", label, text, res.stderr)
  end
end

return M
