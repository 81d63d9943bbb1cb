-- The bundle holds no preshared key: a rule's ipsecData (where MS-GPIPSEC keeps its
-- authentication methods) is zeroed past its class GUID in store.reg, its size kept, and the
-- manifest names every value it blanked; netsh's "Preshared Key" lines lose their value.
local json_lib = dofile(os.getenv("MEND_SOURCE_DIR") .. "/scripts/lib/json.lua")
local NFA = "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Local\\ipsecNFA{5a5a5a5a-0000-4000-8000-000000000001}"
-- The NFA class GUID, then an authentication method holding "S3cretPSK" in UTF-16LE.
local GUID_HEX = "b5 20 dc 80 c8 2e d1 11 a8 9e 00 a0 24 8d 30 21"
local PSK_HEX = "53 00 33 00 63 00 72 00 65 00 74 00 50 00 53 00 4b 00"
local SCENARIO = string.format([[return {
  policies = { { name = "Branch-PSK", state = "pending_deletion" } },
  registry = { [%q] = { ipsecName = "Branch rule", ipsecData = { type = "REG_BINARY", hex = %q } } },
}]], NFA, GUID_HEX .. " 12 00 00 00 01 00 00 00 12 00 00 00 " .. PSK_HEX)
return {
  scenario_text = SCENARIO,
  test = function(t, work)
    local bundle = work .. "/bundle"
    local res = t.mend(work, { "capture", "--evidence", bundle }, { json = false })
    t.eq(res.rc, 0, "capture --evidence exit code")
    local raw = t.read(bundle .. "/store.reg") or ""
    -- store.reg is UTF-16LE: read its ASCII text back by dropping the zero bytes.
    local text = raw:gsub("%z", ""):lower()
    t.check(text:find("ipsecnfa{5a5a5a5a", 1, true), "the rule's key is in store.reg")
    t.check(not text:find("53,00,33,00,63,00,72,00", 1, true), "the preshared key's bytes are in store.reg")
    t.check(text:find('b5,20,dc,80,c8,2e,d1,11,a8,9e,00,a0,24,8d,30,21,00,00,00,00', 1, true),
            "the class GUID stays and the rest is zeroed:\n%s", text:match("ipsecnfa{5a5a5a5a.-\r\n\r\n") or "")
    local manifest = json_lib.decode(t.read(bundle .. "/manifest.json") or "") or {}
    local named = false
    for _, r in ipairs(manifest.redacted or {}) do
      if r:lower() == (NFA .. "\\ipsecData"):lower() then named = true end
    end
    t.check(named, "the manifest names the blanked value: %s", table.concat(manifest.redacted or {}, "; "))
    t.check(#(manifest.excluded or {}) > 0, "the manifest says what is excluded")

    -- netsh's text (Windows prints a rule's preshared key): the value is cut, the label kept.
    t.write(work .. "/netsh.lua", [[
local ev = require "lib.evidence"
local out, n = ev.redact_netsh("Rule\r\nPreshared Key          : S3cretPSK\r\npre-shared key: other\r\nAuth : Kerberos\r\n")
io.write(out, "\n", n, "\n")
return 0
]])
    res = t.mend(work, { "run", work .. "/netsh.lua" }, { json = false })
    t.eq(res.rc, 0, "netsh redaction script exit code")
    t.check(not res.stdout:find("S3cretPSK", 1, true) and not res.stdout:find("other", 1, true),
            "a preshared key survived:\n%s", res.stdout)
    t.check(res.stdout:find("Preshared Key          : <redacted by mend>", 1, true) and
            res.stdout:find("Auth : Kerberos", 1, true) and res.stdout:find("\n2\n", 1, true),
            "labels and other lines kept, two lines redacted:\n%s", res.stdout)
  end,
}
