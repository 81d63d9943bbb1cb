-- lib/names: a typo gets its did-you-mean whatever the number of policies (3 or 30,000), in
-- UTF-8 and in very long names, and a name that is gone is never offered.
local t = require "testlib"
local names = require "lib.names"

local long = string.rep("Datacenter-Interconnect-", 12) .. "QM"

-- Three policies: every name is compared.
local few = { "Corp-QM", "Corp-QM2", "Lab-Isolation" }
t.eq(names.nearest("corp-qm5", few), { "Corp-QM", "Corp-QM2" }, "case ignored, nearest first, ties by name")
t.eq(names.nearest("Lab-Isolaton", few), { "Lab-Isolation" })
t.eq(names.nearest("Zzzzzzzzzz", few), {}, "nothing near: no guess")
t.eq(names.nearest("Branch", { "Branch Office QM", "Lab" }), { "Branch Office QM" }, "a word of a name")

-- 30,000 policies (the scenario's): the advice users see, collected from mend.advise. The
-- names are read once, so each check below costs no more than one at three policies would.
t.eq(#assert(ipsec.policies()), 30005)
local said = {}
rawset(mend, "advise", function(text) said[#said + 1] = text end)
local function advice(name)
  said = {}
  names.advise_missing({ name }, "fix")
  t.eq(#said, 1, name)
  return said[1]
end
t.eq(advice("Corp-Berlni-QM"), "No policy is named Corp-Berlni-QM. Did you mean: Corp-Berlin-QM, Corp-Berlin-QM2?",
     "two letters swapped")
t.contains(advice("Xorp-Berlin-QM"), "Did you mean: Corp-Berlin-QM", "the first letter wrong")
t.contains(advice("corp-berlin-qn"), "Did you mean: Corp-Berlin-QM", "the last letter wrong, case ignored")
t.contains(advice("Site-12345-QN"), "Did you mean: Site-12345-QM", "one of thousands alike")
t.contains(advice("Zurich-Filiale-QM"), "Did you mean: Zürich-Filiale-QM?", "UTF-8: ü typed as u")
t.contains(advice("Zürich-Filale-QM"), "Did you mean: Zürich-Filiale-QM?", "UTF-8: a letter left out")
t.contains(advice((long:gsub("Interconnect", "Interconect", 1))), "Did you mean: " .. long .. "?",
           "a 290-byte name, one letter out")
t.contains(advice("Branch"), "Did you mean: Branch Office QM", "the first word of a name typed without quotes")
t.contains(advice(string.rep("x", 5000)), "(mend check lists", "a 5,000-byte name: nothing near, no error")

-- What sets a name apart shows: a blank at its end in quotes, a look-alike dash or a no-break
-- space spelled out (both sides), a control character escaped.
t.contains(advice("Corp-Berlin-QM "), 'No policy is named "Corp-Berlin-QM ". Did you mean: Corp-Berlin-QM', "a trailing blank")
t.contains(advice("Corp\u{2011}Berlin-QM"), "No policy is named Corp<U+2011>Berlin-QM. Did you mean: Corp-Berlin-QM",
           "a non-breaking hyphen for -")
t.contains(advice("Branch\u{A0}Office QM"), "No policy is named Branch<U+00A0>Office QM. Did you mean: Branch Office QM",
           "a no-break space")
t.contains(advice("Corp-Berlin-QM\t"), 'No policy is named "Corp-Berlin-QM\\t".', "a tab, escaped")
t.contains(advice("Zurich-Filiale-QM"), "Did you mean: Zürich-Filiale-QM?", "a letter with a diacritic is shown as it is")

-- A policy deleted after the names were read is not offered; the next nearest is.
t.ok(ipsec.delete("Corp-Berlin-QM"))
said = {}
names.advise_missing({ "Corp-Berlin-QX" }, "fix")
t.eq(said, { "No policy is named Corp-Berlin-QX. Did you mean: Corp-Berlin-QM2?" })

said = {}
names.advise_missing({ "Branch", "Office", "QM" }, "check")
t.contains(said[1], 'a name with spaces needs quotes: mend check "Branch Office QM"')
return t.finish()
