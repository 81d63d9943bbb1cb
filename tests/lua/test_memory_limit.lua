-- Runs into --max-memory while bindings build result tables from host lists: the run must stop
-- with exit 2 and, under ASan, leak none of the host lists.
local keep = {}
while true do
  keep[#keep + 1] = ipsec.policies()
  keep[#keep + 1] = proc.list()
  keep[#keep + 1] = handles.scan()
  keep[#keep + 1] = reg.values("HKLM\\SOFTWARE\\Contoso\\Many")
end
