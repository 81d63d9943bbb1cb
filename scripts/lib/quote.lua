-- Command lines in advice, quoted so the admin can paste them: the `mend fix` that allows what a
-- run was refused, and the command that starts a service again.
local M = {}

M.CAP_ORDER = { "kill", "registry", "reboot", "nic", "service" }
M.LIST_FILE = "policies.txt"
local LIST_NOTE = " (" .. M.LIST_FILE .. ": the policy names, one per line; a name holding a control "
  .. "character, or \", % or ! on Windows, cannot be typed into a command line safely)"
M.LIST_NOTE = LIST_NOTE
local ALL_NOTE = " (a name holding a line break, or a blank or # at its start, can be neither typed nor "
  .. "listed in a file: --all-pending takes every policy pending deletion, this one included)"
M.ALL_NOTE = ALL_NOTE

function M.plural(n, one, many)
  return string.format("%d %s", n, n == 1 and one or (many or one .. "s"))
end

-- Quotes a policy name so the admin can paste the command: CommandLineToArgvW rules on
-- Windows, POSIX shell rules on the simulator (single quotes when double quotes would expand).
function M.quote(s)
  s = tostring(s)
  if mend.host == "local" then
    local out = s:gsub('(\\*)"', function(bs) return bs .. bs .. '\\"' end)
    out = out:gsub("(\\+)$", "%1%1")
    return '"' .. out .. '"'
  end
  if s:find("[\"\\$`!]") then
    return "'" .. s:gsub("'", "'\\''") .. "'"
  end
  return '"' .. s .. '"'
end

-- cmd.exe expands %VAR% (and !VAR! under delayed expansion) even inside double quotes, and a
-- quote inside a name ends the quoted span, after which & | < > ^ act as operators: on Windows
-- such a name cannot be pasted into a command safely, whatever the quoting. A control
-- character cannot be pasted anywhere: the terminal shows it escaped (a tab as \t).
function M.cmd_safe(s)
  s = tostring(s)
  if s:find("%c") then return false end
  return mend.host ~= "local" or not s:find('[%%!"]')
end

local function all(names, pred)
  for _, n in ipairs(names or {}) do
    if not pred(n) then return false end
  end
  return true
end

function M.all_cmd_safe(names) return all(names, M.cmd_safe) end

-- A batch list splits at line breaks, trims blanks at both ends and skips a line starting
-- with #: a name like that cannot be given in a list file either.
function M.list_safe(s)
  s = tostring(s)
  return not s:find("\n") and not s:find("^%s") and not s:find("%s$") and s:sub(1, 1) ~= "#"
end

function M.all_list_safe(names) return all(names, M.list_safe) end

-- "--stop-holder X" for the holders a rerun may stop: those this run was given plus `extra`
-- (a set of process names), sorted so the advice reads the same every time.
local function stop_holder_args(extra)
  local set, list = {}, {}
  local function add(n)
    local k = n:lower()
    if not set[k] then set[k] = true; list[#list + 1] = n end
  end
  for _, given in ipairs(mend.stop_holders or {}) do
    for one in tostring(given):gmatch("[^,]+") do add(one) end
  end
  local more = {}
  for n in pairs(extra or {}) do more[#more + 1] = n end
  table.sort(more)
  for _, n in ipairs(more) do add(n) end
  local out = {}
  for _, n in ipairs(list) do out[#out + 1] = "--stop-holder " .. M.quote(n) end
  return out
end

-- "mend fix "A" "B" --allow kill,nic": the caps needed plus those this run already had, so
-- the rerun can also do what this one did (a holder that autostarts comes back at boot);
-- `holders` (a set of process names) adds --stop-holder for holders mend stops only when told.
function M.command(names, caps, holders)
  local want = {}
  for _, c in ipairs(M.CAP_ORDER) do
    if mend.allowed(c) then want[c] = true end
  end
  for c in pairs(caps or {}) do want[c] = true end
  local list = {}
  for _, c in ipairs(M.CAP_ORDER) do
    if want[c] then list[#list + 1] = c end
  end
  local allow = #list > 0 and ("--allow " .. table.concat(list, ",")) or nil
  if not M.all_cmd_safe(names) and not M.all_list_safe(names) then
    return M.command(nil, caps, holders) .. ALL_NOTE
  end
  if not M.all_cmd_safe(names) then
    local held = table.concat(stop_holder_args(holders), " ")
    return "mend batch " .. M.LIST_FILE .. (allow and (" " .. allow) or "") .. (held ~= "" and (" " .. held) or "")
      .. LIST_NOTE
  end
  local parts = { "mend fix" }
  local dashed = false
  for _, n in ipairs(names or {}) do dashed = dashed or n:sub(1, 1) == "-" end
  if not names then
    parts[#parts + 1] = "--all-pending"
  elseif dashed then
    -- A name that starts with "-" would read as an option: options first, then "--".
    parts[#parts + 1] = allow
    allow = nil
    parts[#parts + 1] = "--"
  end
  for _, n in ipairs(names or {}) do parts[#parts + 1] = M.quote(n) end
  parts[#parts + 1] = allow
  for _, a in ipairs(stop_holder_args(holders)) do parts[#parts + 1] = a end
  return table.concat(parts, " ")
end

-- The command that starts a service again, for advice: sc.exe on Windows, mend on the simulator.
function M.start_command(name)
  if mend.host == "local" then
    return string.format("sc start %s (PowerShell: Start-Service -Name %s)", M.quote(name), M.quote(name))
  end
  return string.format("mend run --allow service scripts/examples/start_service.lua %s", M.quote(name))
end

return M
