-- A rung is checked when the driver loads it, before anything is done: a misspelt field
-- (`aplies`) is refused by name with the rung and its file, as are a missing `tells`, both
-- `each` and `act`, an unknown gate and an unknown `when` kind. Exit 2 (a script error), and
-- the machine is untouched.
local RUNG = [[
return { name = "late", tells = "A rung an admin added.", %s
         act = function(ctx, set) for _, p in ipairs(set) do ipsec.delete(p.name) end end }
]]

local function ladder_script(rung_source)
  return "local ladder = require 'lib.ladder'\nlocal r = ladder.rungs_by_name()\n"
    .. "ladder.run({ r.identify, r.delete, " .. rung_source .. " }, { names = { 'Corp-QM' } })\n"
end

return {
  scenario_text = [[
return {
  policies = { { name = "Corp-QM", state = "pending_deletion", blockers = { "stale_memory" } } },
  processes = { { pid = 4, name = "System" } },
}]],
  test = function(t, work)
    local before = t.normalize(work)
    local function refused(label, args, texts)
      local res = t.mend(work, args, { json = false })
      t.eq(res.rc, 2, label .. ": exit code")
      for _, text in ipairs(texts) do
        t.check(res.stderr:find(text, 1, true), "%s: stderr lacks %q:\n%s", label, text, res.stderr)
      end
      t.check(t.read(work .. "/state.lua") == before, "%s: the machine changed", label)
    end

    -- The standard fix with one more rung in the order list, from its own file, misspelt.
    os.execute("mkdir -p " .. t.shq(work .. "/rungs"))
    t.write(work .. "/fix.lua", t.read(t.SRC .. "/scripts/fix.lua"))
    t.write(work .. "/rungs/order.lua", 'return { "identify", "delete", "late", "restart" }\n')
    t.write(work .. "/rungs/late.lua", RUNG:format('aplies = function(_, p) return p.kind == "stale" end,'))
    refused("order.lua naming a rung with aplies", { "run", work .. "/fix.lua", "Corp-QM" },
            { "rung 'late'", "unknown field 'aplies'", work .. "/rungs/late.lua" })

    os.execute("rm -rf " .. t.shq(work .. "/rungs"))

    -- A custom ladder's own rungs, inline.
    local cases = {
      { "missing tells", '{ name = "x", act = function() end }', { "rung 'x'", "the field 'tells' is missing" } },
      { "each and act", '{ name = "x", tells = "t", act = function() end, each = function() end }',
        { "rung 'x'", "exactly one of 'each'" } },
      { "neither each nor act", '{ name = "x", tells = "t" }', { "rung 'x'", "exactly one of 'each'" } },
      { "unknown gate", '{ name = "x", tells = "t", gate = "kil", act = function() end }',
        { "rung 'x'", "gate 'kil' is not a capability" } },
      { "unknown kind", '{ name = "x", tells = "t", when = "in-use", act = function() end }',
        { "rung 'x'", "when = 'in-use' is not a kind" } },
      { "tells not text", '{ name = "x", tells = 42, act = function() end }', { "'tells' must be a string" } },
      { "misspelt inline", '{ name = "x", tells = "t", aplies = function() return true end, act = function() end }',
        { "rung 'x' (ladder position 3): unknown field 'aplies'" } },
    }
    for i, c in ipairs(cases) do
      local file = string.format("%s/bad%d.lua", work, i)
      t.write(file, ladder_script(c[2]))
      refused(c[1], { "run", file }, c[3])
    end
  end,
}
