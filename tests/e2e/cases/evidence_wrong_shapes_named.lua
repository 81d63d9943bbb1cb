-- A bundle comes from elsewhere: a JSON item of the wrong shape (a number where a list belongs,
-- a row that is not an object, a name that is not a string) is named in a warning and set aside
-- like an item that was not collected, never a Lua traceback; the twin is still written.
local cases = {
  { "policies.json", '5' }, { "policies.json", '[1]' }, { "policies.json", '[{"name":5}]' },
  { "policies.json", '[{"name":"a","state":"pending_deletion"}]' }, { "policies.json", '[{"name":"a","store_key":5}]' },
  { "handles.json", '5' }, { "handles.json", '{"holders":5}' }, { "handles.json", '{"holders":[5]}' },
  { "handles.json", '{"critical":5}' }, { "handles.json", '{"critical":["x"]}' }, { "nics.json", '5' }, { "nics.json", '[5]' },
  { "services.json", '5' }, { "services.json", '{"PolicyAgent":{"state":"running","depends_on":5}}' },
  { "spd-qm-policies.json", '5', "policies.json" }, { "spd-qm-policies.json", '[5]', "policies.json" },
}
return {
  scenario_text = [[return {
  policies = { { name = "Corp-QM", state = "pending_deletion" }, { name = "Srv", assigned = true } },
  processes = { { pid = 4, name = "System" }, { pid = 700, name = "lsass.exe" }, { pid = 4242, name = "vpnagent.exe" } },
  handles = { { pid = 4242, policy = "Corp-QM" }, { pid = 700, policy = "Srv" } },
}]],
  test = function(t, work)
    local bundle = work .. "/bundle"
    local res = t.mend(work, { "capture", "--evidence", bundle }, { json = false })
    t.eq(res.rc, 0, "capture --evidence exit code")
    -- The bundle as written is whole: nothing set aside (critical pids and depends_on lists pass).
    res = t.mend(work, { "capture", "--from-evidence", bundle, "-o", work .. "/twin.lua" }, { json = false })
    t.eq(res.rc, 0, "replay of the bundle as written")
    t.check(not res.stderr:find("set aside", 1, true), "a well-formed item was set aside:\n%s", res.stderr)
    t.check((t.read(work .. "/twin.lua") or ""):find("critical = true", 1, true), "lsass stays critical in the twin")
    for i, c in ipairs(cases) do
      local file, text, garbage = c[1], c[2], c[3]
      local copy = string.format("%s/b%d", work, i)
      os.execute(string.format("rm -rf %s && cp -r %s %s", t.shq(copy), t.shq(bundle), t.shq(copy)))
      t.write(copy .. "/" .. file, text)
      if garbage then t.write(copy .. "/" .. garbage, "garbage") end
      local twin = copy .. "/twin.lua"
      res = t.mend(work, { "capture", "--from-evidence", copy, "-o", twin }, { json = false })
      local label = file .. " = " .. text
      t.eq(res.rc, 0, label .. ": exit code")
      t.check(not res.stderr:find("traceback", 1, true) and not res.stderr:find("attempt to", 1, true)
              and not res.stderr:find("bad argument", 1, true), "%s: a Lua error reached the admin:\n%s", label, res.stderr)
      t.check(res.stderr:find(file, 1, true), "%s: the warning names the file:\n%s", label, res.stderr)
      t.check(t.exists(twin), "%s: the twin is written", label)
    end
  end,
}
