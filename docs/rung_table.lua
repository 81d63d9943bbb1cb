-- Generates docs/cli.md's rung table from the standard rungs (scripts/rungs/, in order.lua's
-- order): name, gate and `tells`, between the rung-table markers.
--
--   mend run docs/rung_table.lua docs/cli.md            prints cli.md with the table regenerated
--   mend run docs/rung_table.lua --check docs/cli.md    exit 1 when the doc is out of step
local ladder = require "lib.ladder"

local BEGIN = "<!-- rung-table: generated from scripts/rungs/ by docs/rung_table.lua; edit the rungs' tells -->"
local END = "<!-- /rung-table -->"

local function cell(s)
  return (tostring(s):gsub("|", "\\|"):gsub("\n", " "))
end

local function table_text()
  local out = { BEGIN, "| # | rung | gate | what it does and why (`tells`) |", "|---|---|---|---|" }
  for i, r in ipairs(ladder.rungs) do
    out[#out + 1] = string.format("| %d | `%s` | %s | %s |", i, r.name, r.gate and ("`" .. r.gate .. "`") or "—",
                                  cell(r.tells))
  end
  out[#out + 1] = END
  return table.concat(out, "\n")
end

local check = mend.args[1] == "--check"
local path = mend.args[check and 2 or 1]
if not path then
  io.stderr:write("usage: mend run docs/rung_table.lua [--check] docs/cli.md\n")
  return 2
end
local f = assert(io.open(path, "r"))
local doc = f:read("a")
f:close()
local s, e = doc:find(BEGIN, 1, true)
local _, e2 = doc:find(END, e or 1, true)
if not s or not e2 then
  io.stderr:write(string.format("%s has no rung-table markers (%s ... %s)\n", path, BEGIN, END))
  return 2
end
local fresh = doc:sub(1, s - 1) .. table_text() .. doc:sub(e2 + 1)
if not check then
  io.write(fresh)
  return 0
end
if fresh ~= doc then
  io.stderr:write(string.format("%s: the rung table is out of step with scripts/rungs/; regenerate it:\n"
    .. "  mend run docs/rung_table.lua %s > cli.md.new && mv cli.md.new %s\n", path, path, path))
  return 1
end
return 0
