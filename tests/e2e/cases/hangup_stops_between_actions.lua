-- An ssh session dropped at 2 a.m. sends SIGHUP: like Ctrl-C (and a closed console window on
-- Windows) it stops the script between two actions, and what was done is saved and journalled,
-- instead of mend dying mid-run with the simulator's state unsaved and no run_end.
return {
  scenario_text = [[return { registry = { ["HKLM\\SOFTWARE\\Contoso"] = {} } }]],
  test = function(t, work)
    local marker = os.tmpname()   -- the temp folder: scripts may write there (it starts empty)
    t.write(work .. "/churn.lua", [[
for i = 1, 1e9 do
  assert(reg.set("HKLM\\SOFTWARE\\Contoso\\K" .. i, "v", "x"))
  if i == 1 then local f = io.open(arg[1], "w") f:write("1") f:close() end
end
]])
    local cmd = table.concat({ "MEND_DATA_DIR=" .. t.shq(t.SRC), "MEND_STATE_DIR=" .. t.shq(work .. "/state"),
      t.shq(t.MEND), "--host", t.shq("sim:" .. work .. "/state.lua"), "--allow", "registry", "run",
      t.shq(work .. "/churn.lua"), t.shq(marker), ">", t.shq(work .. "/out"), "2>&1" }, " ")
    local inner = cmd .. " </dev/null & echo $! > " .. t.shq(work .. "/pid") .. "; wait $!; echo $? > " .. t.shq(work .. "/rc")
    os.execute("sh -c " .. t.shq(inner) .. " >/dev/null 2>&1 &")
    for _ = 1, 600 do
      if (t.read(marker) or "") ~= "" then break end
      os.execute("sleep 0.05")
    end
    os.remove(marker)
    os.execute("kill -HUP " .. ((t.read(work .. "/pid") or ""):match("%d+") or "0"))
    for _ = 1, 600 do
      if t.exists(work .. "/rc") then break end
      os.execute("sleep 0.05")
    end
    t.eq((t.read(work .. "/rc") or ""):match("%d+"), "2", "exit code after SIGHUP")
    t.check((t.read(work .. "/out") or ""):find("interrupted: the script stopped between two actions", 1, true),
            "it says where it stopped:\n%s", t.read(work .. "/out") or "")
    t.check((t.read(work .. "/state/journal.jsonl") or ""):find('"event":"run_end"', 1, true), "the journal closes the run")
    t.check((t.read(work .. "/state.lua") or ""):find("Contoso\\\\K1", 1, true), "what was done is saved")
  end,
}
