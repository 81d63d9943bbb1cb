-- The ladder is data: the standard rungs in the article's order, each saying what it does and
-- which gate it needs, each checked when it loads; commands in advice quote names so they can be
-- pasted.
local t = require "testlib"
local ladder = require "lib.ladder"

local order = {}
for i, rung in ipairs(ladder.rungs) do
  order[i] = rung.name
  t.eq(type(rung.tells), "string", rung.name .. ".tells")
  t.ok(rung.each or rung.act, rung.name .. " has an action")
end
t.eq(table.concat(order, ","), "identify,delete,spd_sas,spd_orphan_filter,spd_filter,gpupdate,restart,handle_check,unassign,offload,registry,reboot")
local r = ladder.rungs_by_name()
t.eq(r.handle_check.gate, "kill")
t.eq(r.offload.gate, "nic")
t.eq(r.registry.gate, "registry")
t.eq(r.reboot.gate, "reboot")
t.eq(r.spd_sas.gate, "service")
t.eq(r.spd_filter.gate, "service")
t.eq(r.reboot.last_resort, true)
t.eq(r.delete.gate, nil)

-- The order is scripts/rungs/order.lua's (the line an admin edits); each name is a file there.
t.eq(table.concat(require "rungs.order", ","), table.concat(order, ","))
-- when = "<kind>" is the shorthand for an applies on p.kind; the driver honours it.
t.eq(r.delete.when, "pending")
t.eq(r.restart.when, "stale")

-- Every rung is checked: unknown keys by name, required fields, exactly one of each/act, the
-- gate a capability, the kind one the ladder sets; ladder.run refuses before acting.
local act = function() end
local bad = {
  { { name = "x", tells = "t", aplies = act, act = act }, "rung 'x' (test): unknown field 'aplies'" },
  { { name = "x", act = act }, "the field 'tells' is missing" },
  { { tells = "t", act = act }, "the field 'name' is missing" },
  { { name = "x", tells = "t", act = act, each = act }, "exactly one of 'each'" },
  { { name = "x", tells = "t" }, "exactly one of 'each'" },
  { { name = "x", tells = "t", act = "later" }, "'act' must be a function, not a string" },
  { { name = "x", tells = "t", act = act, gate = "kil" }, "gate 'kil' is not a capability" },
  { { name = "x", tells = "t", act = act, when = "in-use" }, "when = 'in-use' is not a kind" },
  { { name = "x", tells = "t", act = act, when = "stale", applies = act }, "give one of them" },
  { { name = "x", tells = "t", act = act, last_resort = "yes" }, "'last_resort' must be a boolean" },
  { "x", "rung (test) is a string, not a table" },
}
for _, case in ipairs(bad) do
  local ok, msg = ladder.check(case[1], "test")
  t.eq(ok, nil, case[2])
  t.ok(msg:find(case[2], 1, true), msg)
end
t.ok(ladder.check({ name = "x", tells = "t", gate = "nic", when = "in_use", act = act, done = act, last_resort = false }))
t.raises("unknown field 'aplies'", ladder.run, { r.identify, { name = "x", tells = "t", aplies = act, act = act } },
         { names = { "QM-Purge" } })
t.eq(ipsec.get("QM-Purge").state, "pending_deletion", "nothing was done before the check")

-- mend.host is "sim": POSIX shell quoting.
t.eq(ladder.quote("Corp-QM"), '"Corp-QM"')
t.eq(ladder.quote("Zürich QM"), '"Zürich QM"')
t.eq(ladder.quote('A "b"'), [['A "b"']])
t.eq(ladder.quote("O'Brien $x"), [['O'\''Brien $x']])
t.eq(ladder.command({ "Corp-QM" }, { kill = true }), 'mend fix "Corp-QM" --allow kill')
t.eq(ladder.command({ "A", "B" }, { nic = true, kill = true }), 'mend fix "A" "B" --allow kill,nic')
t.eq(ladder.command(nil, { registry = true }), "mend fix --all-pending --allow registry")
t.eq(ladder.command({ "A" }, {}), 'mend fix "A"')
t.eq(ladder.command({ "-x QM" }, { kill = true }), 'mend fix --allow kill -- "-x QM"')
t.eq(ladder.command({ "-x QM" }, {}), 'mend fix -- "-x QM"')

-- On Windows (mend.host "local"): CommandLineToArgvW rules, so mend.exe gets the name back.
local host = mend.host
mend.host = "local"
t.eq(ladder.quote("Corp-QM"), '"Corp-QM"')
t.eq(ladder.quote('A "b"'), [["A \"b\""]])
t.eq(ladder.quote([[a\"b]]), [["a\\\"b"]])
t.eq(ladder.quote([[trail\]]), [["trail\\"]])
t.eq(ladder.quote("O'Brien $x"), [["O'Brien $x"]])
-- cmd.exe: & | < > ^ are literal inside quotes; %VAR%, !VAR! and a quote that ends the span are
-- not, so a command with such a name is never offered for pasting: a list file is.
t.eq(ladder.command({ "A&B|C<D>E^F" }, { kill = true }), [[mend fix "A&B|C<D>E^F" --allow kill]])
for _, bad in ipairs({ "50%OFF%", "Hi!PATH!", 'x" & calc & "' }) do
  t.eq(ladder.cmd_safe(bad), false, bad)
  local cmd = ladder.command({ "Corp-QM", bad }, { kill = true })
  t.eq(cmd:sub(1, #"mend batch policies.txt --allow kill ("), "mend batch policies.txt --allow kill (", cmd)
  t.eq(cmd:find(bad, 1, true), nil, cmd)
end
-- A list file cannot hold a line break, nor a blank or # at the start: --all-pending reaches it.
for _, bad in ipairs({ "line\nbreak", " 50%OFF%", "#1 !x!" }) do
  t.eq(ladder.cmd_safe(bad), false, bad)
  local cmd = ladder.command({ "Corp-QM", bad }, { kill = true })
  t.eq(cmd:sub(1, #"mend fix --all-pending --allow kill ("), "mend fix --all-pending --allow kill (", cmd)
  t.eq(cmd:find("mend batch", 1, true), nil, cmd)
end
t.eq(ladder.cmd_safe("Zürich QM"), true)
mend.host = host
t.eq(ladder.cmd_safe("50%OFF%"), true, "the simulator's shell quoting handles it")
-- A control character is shown escaped on the terminal (a tab as \t): no pasted command has it.
t.eq(ladder.cmd_safe("Tab\tQM"), false, "a tab cannot be pasted")
t.eq(ladder.command({ "Tab\tQM" }, nil):sub(1, #"mend batch policies.txt ("), "mend batch policies.txt (")

-- advice.grouper groups as advice.groups does, one item at a time, keeping the items only while
-- they are few: the same groups, counts, first names and caps at every size around MANY.
local advice = require "lib.advice"
local KEYS, CAPS = { "a", "b", "a", "c" }, { {}, { kill = true }, { nic = true }, {} }
for size = 0, advice.MANY + 3 do
  local items = {}
  for i = 1, size do
    items[i] = { name = "P" .. i, key = KEYS[(i - 1) % #KEYS + 1], caps = CAPS[(i - 1) % #CAPS + 1] }
  end
  local key_of, caps_of = function(x) return x.key end, function(x) return x.caps end
  local gr = advice.grouper(key_of, caps_of)
  for _, it in ipairs(items) do gr.add(it) end
  local want = advice.groups(items, key_of, caps_of)
  local got, few = gr.result()
  if not want then
    t.eq(got, nil, "few items: no groups (" .. size .. ")")
    t.eq(few, items, "few items come back as they were added (" .. size .. ")")
  else
    t.eq(#got, #want, "as many groups (" .. size .. ")")
    for i, g in ipairs(want) do
      t.eq(got[i].key, g.key)
      t.eq(got[i].n, #g.items, "the group's count")
      t.eq(got[i].head, g.items[1], "the group's first item")
      t.eq(got[i].first, g.first)
      t.eq(got[i].caps, g.caps)
    end
  end
end

local pending = assert(ladder.pending_names())
t.eq(#pending, 8)
return t.finish()
