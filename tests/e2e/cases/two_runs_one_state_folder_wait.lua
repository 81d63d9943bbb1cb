-- Two runs that may change the machine, sharing one state folder (on Windows: the one machine,
-- its journal), take turns: the second waits for the first and says so, so their actions, PolicyAgent
-- restarts and journal records never mix. Here two --host sim:FILE rehearsals, whose own state
-- locks would let them run at once, share the folder.
return {
  scenario_text = [[return { policies = { { name = "Corp-QM", state = "pending_deletion" } } }]],
  test = function(t, work)
    local marker = os.tmpname()   -- the temp folder: scripts may write there (it starts empty)
    t.write(work .. "/first.lua", [[
local f = assert(io.open(arg[1], "w")) f:write("started") f:close()
local t0 = os.clock() while os.clock() - t0 < 2 do end   -- busy, holding the folder
print("first done")
]])
    t.write(work .. "/second.lua", 'print("second done")\n')
    t.write(work .. "/other.lua", t.read(work .. "/state.lua"))
    local first = table.concat({ "MEND_DATA_DIR=" .. t.shq(t.SRC), "MEND_STATE_DIR=" .. t.shq(work .. "/state"),
      t.shq(t.MEND), "--host", t.shq("sim:" .. work .. "/other.lua"), "run", t.shq(work .. "/first.lua"), t.shq(marker),
      ">", t.shq(work .. "/first.out"), "2>&1; echo $? >", t.shq(work .. "/first.rc") }, " ")
    os.execute("(" .. first .. ") </dev/null >/dev/null 2>&1 &")
    for _ = 1, 400 do
      if (t.read(marker) or "") ~= "" then break end
      os.execute("sleep 0.05")
    end
    t.check((t.read(marker) or "") ~= "", "the first run started")
    os.remove(marker)
    local res = t.mend(work, { "run", work .. "/second.lua" }, { json = false })
    for _ = 1, 600 do
      if t.exists(work .. "/first.rc") then break end
      os.execute("sleep 0.05")
    end
    t.eq(res.rc, 0, "the second run's exit code")
    t.check(res.stderr:find("waiting up to", 1, true), "the second run says it waits:\n%s", res.stderr)
    t.eq((t.read(work .. "/first.rc") or ""):match("%d+"), "0", "the first run's exit code")
    -- In the journal the first run ends before the second starts.
    local order, n = {}, 0
    for line in (t.read(work .. "/state/journal.jsonl") or ""):gmatch("[^\n]+") do
      n = n + 1
      local ev, detail = line:match('"event":"([%w_]+)"'), line:match('"detail":"([^"]*)"')
      if ev == "run_start" or ev == "run_end" then order[#order + 1] = ev end
      t.check(line:sub(1, 1) == "{" and line:sub(-1) == "}", "journal line %d is whole: %s", n, line)
      local _ = detail
    end
    t.eq(table.concat(order, ","), "run_start,run_end,run_start,run_end", "the runs do not overlap in the journal")
  end,
}
