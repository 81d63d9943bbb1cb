-- evidence: a fresh folder (a busy one refused unless forced), SHA-256, the store exported with
-- every rule's ipsecData blanked past its class GUID (read back with reg.parse), netsh's show
-- text; lib/json round-trips what the bundle writes.
local t = require "testlib"
local json = require "lib.json"

t.eq(evidence.sha256(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
t.eq(evidence.sha256("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")

local base = os.tmpname()
os.remove(base)
local dir = base .. "-bundle"
t.eq(evidence.prepare(dir), true)
t.eq(evidence.prepare(dir), true, "an empty folder is taken")
local f = assert(io.open(dir .. "/keep.txt", "wb"))
f:write("mine")
f:close()
t.contains(t.err("exists", evidence.prepare, dir), "is not empty")
t.eq(evidence.prepare(dir, true), true, "force")
t.err("not_permitted", evidence.prepare, "/etc/mend-evidence-test")

-- The store: rules' ipsecData blanked, everything else as reg.values reads it.
local store = "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Local"
local file = dir .. "/store.reg"
local red = t.ok(evidence.export_store(file, { store }))
local keys = t.ok(reg.parse(file))
local nfas, blanked = 0, {}
for _, r in ipairs(red) do blanked[r:lower()] = true end
for _, k in ipairs(keys) do
  local leaf = k.path:match("[^\\]+$")
  local live = t.ok(reg.values(k.path))
  t.eq(#k.values, #live, k.path .. ": values")
  for i, v in ipairs(k.values) do
    if leaf:lower():find("^ipsecnfa{") and v.name == "ipsecData" then
      nfas = nfas + 1
      t.eq(#v.data, #live[i].data, "size kept")
      t.eq(v.data:sub(1, 16), live[i].data:sub(1, 16), "class GUID kept")
      t.eq(v.data:sub(17), string.rep("\0", #v.data - 16), "the rest zeroed")
      t.ok(blanked[(k.path .. "\\ipsecData"):lower()], "listed as redacted: " .. k.path)
    else
      t.eq(v.name, live[i].name)
      t.eq(json.encode(v.data), json.encode(live[i].data), k.path .. "\\" .. v.name)
    end
  end
end
t.ok(nfas > 0, "the store has rules")
t.eq(#red, nfas, "every rule's ipsecData, and nothing else, is redacted")
t.err("not_found", evidence.export_store, dir .. "/none.reg", { "HKLM\\SOFTWARE\\No\\Such\\Key" })
t.raises("1 to 16", evidence.export_store, file, {})

-- netsh's show text: the simulator renders its store and SPD.
t.contains(t.ok(evidence.ipsec_show("static")), "Policy Name            : Corp-QM")
t.contains(t.ok(evidence.ipsec_show("dynamic")), "Quick Mode Policy")
t.raises("invalid option", evidence.ipsec_show, "verbose")

-- lib/json: sorted keys, arrays, escapes, and back.
local doc = { b = { 1, 2.5, "x\"\n\1" }, a = true, c = {}, ["z k"] = { n = -3 } }
local text = json.encode(doc)
t.eq(text, '{\n  "a": true,\n  "b": [\n    1,\n    2.5,\n    "x\\"\\n\\u0001"\n  ],\n  "c": [],\n'
           .. '  "z k": {\n    "n": -3\n  }\n}\n')
local back = t.ok(json.decode(text))
t.eq(back.b[3], "x\"\n\1")
t.eq(back["z k"].n, -3)
t.eq(math.type(back.b[1]), "integer")
t.eq(json.decode('"\\u00e9\\ud83d\\ude00"'), "é😀")
t.contains(select(2, json.decode("[1, 2")), "byte")
t.contains(select(2, json.decode("{} x")), "text after the value")
t.contains(select(2, json.decode("{}  \n x")), "byte 7: text after the value")   -- where the junk starts (from 1)
t.eq(json.decode("{} \r\n\t "), {})

os.remove(file)
os.remove(dir .. "/keep.txt")
os.remove(dir)
t.finish()
