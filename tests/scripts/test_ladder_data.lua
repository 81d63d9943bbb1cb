-- The ladder is data: the standard rungs in the article's order, each saying what it does and
-- which gate it needs; commands in advice quote names so they can be pasted.
local t = require "testlib"
local ladder = require "lib.ladder"

local order = {}
for i, rung in ipairs(ladder.rungs) do
  order[i] = rung.name
  t.eq(type(rung.tells), "string", rung.name .. ".tells")
  t.ok(rung.each or rung.act, rung.name .. " has an action")
end
t.eq(table.concat(order, ","), "identify,delete,gpupdate,restart,handle_check,unassign,offload,registry,reboot")
local r = ladder.rungs_by_name()
t.eq(r.handle_check.gate, "kill")
t.eq(r.offload.gate, "nic")
t.eq(r.registry.gate, "registry")
t.eq(r.reboot.gate, "reboot")
t.eq(r.reboot.last_resort, true)
t.eq(r.delete.gate, nil)

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
mend.host = host

local pending = assert(ladder.pending_names())
t.eq(#pending, 8)
return t.finish()
