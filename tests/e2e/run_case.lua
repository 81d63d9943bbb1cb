-- Runs one end-to-end case file: a scenario, one or more mend command lines, the expected report and state.
local case_file = assert(arg[1], "usage: lua5.4 run_case.lua CASE.lua")
local src = assert(os.getenv("MEND_SOURCE_DIR"), "set MEND_SOURCE_DIR")
package.path = src .. "/tests/e2e/lib/?.lua;" .. package.path
local t = require "e2e"

local case = dofile(case_file)
local name = case_file:match("([^/]+)%.lua$")
local work = t.workdir(name)
t.work = work

-- The scenario: a file of the source tree, or text written in the case.
local function seed(scn)
  local text = scn.scenario_text or assert(t.read(src .. "/" .. scn.scenario), "no scenario " .. tostring(scn.scenario))
  t.write(work .. "/state.lua", text)
  t.write(work .. "/scenario.lua", text)
end

if case.scenario or case.scenario_text then seed(case) end
if case.setup then case.setup(t, work) end
for i, run in ipairs(case.runs or {}) do
  local res = t.mend(work, run.args, run)
  t.expect(res, run, string.format("%s run %d: mend %s", name, i, table.concat(run.args, " ")))
  if run.check then run.check(t, res, work) end
end
if case.test then case.test(t, work) end
t.validate_reports(work)

if t.failures() > 0 then
  io.stderr:write(string.format("%s: %d check(s) failed\n", name, t.failures()))
  os.exit(1)
end
print(name .. ": ok")
