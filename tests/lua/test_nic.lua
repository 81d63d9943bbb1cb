-- nic: list, and set_ipsec_offload behind the nic gate. Run without and with --allow nic.
local t = require "testlib"

local nics = t.ok(nic.list())
t.eq(nics, {
  { name = "Ethernet0", description = "Intel(R) Ethernet", ipsec_offload = true },
  { name = "Ethernet1", description = "Broadcom NetXtreme", ipsec_offload = false },
})

local RECORD = "HKLM\\SOFTWARE\\mend\\NicOffload"

if mend.allowed("nic") then
  t.eq(nic.set_ipsec_offload("Ethernet0", false), true)
  t.eq(nic.list()[1].ipsec_offload, false)
  -- what "off" replaced is kept under mend's own key, for "on" to put back
  local keys = t.ok(reg.keys(RECORD))
  t.eq(#keys, 1)
  local rec = RECORD .. "\\" .. keys[1]
  t.eq(reg.get(rec, "Adapter"), "Ethernet0")
  t.eq(reg.get(rec, "*IPsecOffloadV2"), "3")
  t.eq(nic.set_ipsec_offload("Ethernet1", true), true)
  t.eq(nic.list()[2].ipsec_offload, true)
  t.contains(t.err("not_found", nic.set_ipsec_offload, "Wi-Fi 7", false), "Wi-Fi 7")
  -- the article's order: offload off, restart the agent, then the delete goes through
  t.ok(nic.set_ipsec_offload("Ethernet1", false))
  t.ok(svc.restart("PolicyAgent"))
  t.eq(ipsec.delete("Offload-QM"), true)
  -- on again: the recorded values come back and the record goes
  t.eq(nic.set_ipsec_offload("Ethernet0", true), true)
  t.eq(nic.list()[1].ipsec_offload, true)
  keys = t.ok(reg.keys(RECORD))
  t.eq(#keys, 1, "only Ethernet1's record (turned off above) is left")
  t.eq(reg.get(RECORD .. "\\" .. keys[1], "Adapter"), "Ethernet1")
else
  t.contains(t.err("not_permitted", nic.set_ipsec_offload, "Ethernet0", false), "--allow nic")
  t.eq(nic.list()[1].ipsec_offload, true, "unchanged")
end
t.err("invalid", nic.set_ipsec_offload, "\xff", false)

t.raises("bad argument #2", nic.set_ipsec_offload, "Ethernet0", "off")
t.raises("bad argument #2", nic.set_ipsec_offload, "Ethernet0")
t.raises("bad argument #1", nic.set_ipsec_offload, nil, true)
t.eq(require "nic", nic)
return t.finish()
