-- `mend fix ... 2>&1 | head` closes mend's output early: the run still ends as it would have
-- (its changes saved, its journal closed with run_end), instead of dying mid-ladder of a broken
-- pipe with the machine half-changed and the simulator's state forgetting what the journal says was done.
return {
  scenario = "scenarios/demo.lua",
  test = function(t, work)
    local cmd = table.concat({ "MEND_DATA_DIR=" .. t.shq(t.SRC), "MEND_STATE_DIR=" .. t.shq(work .. "/state"),
      t.shq(t.MEND), "--host", t.shq("sim:" .. work .. "/state.lua"), "fix", "--allow", "kill,nic,registry", "-v" }, " ")
    os.execute("(" .. cmd .. "; echo $? > " .. t.shq(work .. "/rc") .. ") 2>&1 </dev/null | head -3 >/dev/null")
    t.eq((t.read(work .. "/rc") or ""):match("%d+"), "0", "mend's exit code with its output cut short")
    local res = t.mend(work, { "check" })
    t.eq(res.rc, 0, "check after the run: every policy fixed")
    local journal = t.read(work .. "/state/journal.jsonl") or ""
    t.check(journal:find('"event":"run_end","detail":"fixed', 1, true), "the journal closes the run:\n%s", journal:sub(-400))
  end,
}
