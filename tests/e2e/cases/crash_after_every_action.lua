-- A crash (faults.crash_after = k: the process dies right after its k-th action, the machine keeps
-- what was done) after every action of a full ladder run; each time a re-run ends fixed and
-- nothing is lost: a .reg backup for every registry delete that happened, every journal line
-- parses, and every action the crashed run began has its end, except the one it died in.
local function journal(t, work)
  local lines = {}
  for line in (t.read(work .. "/state/journal.jsonl") or ""):gmatch("[^\n]+") do
    local ok, rec = pcall(t.decode, line)
    t.check(ok, "journal line does not parse: %s", line)
    if ok then lines[#lines + 1] = rec end
  end
  return lines
end

local function run_ids(lines)
  local ids = {}
  for _, r in ipairs(lines) do
    if r.event == "run_start" then ids[#ids + 1] = r.run end
  end
  return ids
end

return {
  test = function(t, work)
    local base = t.read(t.SRC .. "/tests/e2e/scenarios/many_blockers.lua")
    local stuck = t.pending_in(t.SRC .. "/tests/e2e/scenarios/many_blockers.lua")
    local k, crashes = 1, 0
    while k <= 200 do
      os.execute("rm -rf " .. t.shq(work .. "/state") .. " && mkdir -p " .. t.shq(work .. "/state"))
      t.write(work .. "/state.lua", (base:gsub("return {", "return {\n  faults = { crash_after = " .. k .. " },", 1)))
      local first = t.mend(work, { "fix", "--allow", "all" })
      if first.rc == 0 then break end     -- k is past the last action: the run finished
      crashes = crashes + 1
      t.eq(first.rc, 137, "exit code of the run crashed after action " .. k)
      local again = t.mend(work, { "fix", "--allow", "all" })
      t.expect(again, { exit = 0 }, "re-run after a crash at action " .. k)
      local st = t.load_state(work .. "/state.lua")
      for _, name in ipairs(stuck) do
        t.check(t.state_policy(st, name) == nil, "crash at %d: %s is still there after the re-run", k, name)
      end
      t.check(t.state_policy(st, "Server-Active") ~= nil, "crash at %d: Server-Active was lost", k)
      for _, p in ipairs(again.report and again.report.policies or {}) do
        t.check(p.outcome == "fixed" or p.outcome == "not_found", "crash at %d: re-run left %s %s", k, p.name, p.outcome)
      end
      local lines = journal(t, work)
      local ids = run_ids(lines)
      t.eq(#ids, 2, "crash at " .. k .. ": runs in the journal")
      local crashed = ids[1]
      local open, last = {}, nil
      for _, r in ipairs(lines) do
        if r.run == crashed and r.event == "begin" then open[r.seq] = r; last = r.seq end
        if r.run == crashed and r.event == "end" then open[r.seq] = nil end
      end
      for seq, r in pairs(open) do
        t.check(seq == last, "crash at %d: action %d (%s %s) began but never ended, and it was not the last",
                k, seq, r.op, tostring(r.target))
      end
      local backups = table.concat(t.listdir(work .. "/state/backups"), "\n")
      -- The registry rung's removal writes its .reg (named after the policy's key) before it
      -- touches anything, so every removal that began has one.
      local removals, files = 0, select(2, backups:gsub("ipsecPolicy{", ""))
      for _, r in ipairs(lines) do
        if r.event == "begin" and r.op == "reg.delete" then
          local guid = tostring(r.target):match("ipsecPolicy({[^}]+})")
          t.check(guid and backups:find(guid, 1, true), "crash at %d: no backup for the registry delete of %s",
                  k, tostring(r.target))
        elseif r.event == "begin" and r.op == "ipsec.remove_from_store" then
          removals = removals + 1
        end
      end
      t.check(files >= removals, "crash at %d: %d store removals began but only %d backups exist", k,
              removals, files)
      k = k + 1
    end
    t.check(crashes >= 10, "only %d crash points: the full ladder should take more actions", crashes)
    t.check(k <= 200, "the run never finished within 200 actions")
    print(string.format("crash_after_every_action: %d crash points checked", crashes))
  end,
}
