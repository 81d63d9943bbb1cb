-- Under Wine, on the real registry: GPO-delivered policies read from Group Policy's cache.
-- usage: gpo_cache.lua (after gpo_cache.sh imported the cache, GPTIPSECPolicy and one local policy)
local failed = 0
local function check(ok, what)
  print((ok and "ok   " or "FAIL ") .. what)
  if not ok then failed = failed + 1 end
end
local CACHE = "HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows\\IPSec\\Policy\\Cache\\"
local by = {}
for _, p in ipairs(ipsec.policies()) do by[p.name] = p end

local corp, old, loc = by["Corp-QM"], by["Old-QM"], by["Local-QM"]
check(corp and corp.source == "gpo" and corp.gpo == "Corp IPsec GPO" and corp.gpo_assigned == true,
      "the policy GPTIPSECPolicy names is listed with source gpo, its GPO's name, assigned by it")
check(corp and corp.store_key:sub(1, #CACHE) == CACHE and corp.assigned == false,
      "its store key is its cache key, and it is not the local store's assigned policy")
check(old and old.source == "gpo" and old.gpo_assigned == false,
      "a cached policy GPTIPSECPolicy does not name is listed as a stale GPO copy")
check(loc and loc.source == "local" and loc.gpo == nil, "the local policy says source local, no gpo")
local got = ipsec.get("Corp-QM")
check(got and got.gpo == "Corp IPsec GPO", "ipsec.get gives the same gpo")
local ok, msg, code = ipsec.delete("Corp-QM")
check(ok == nil and code == "not_permitted" and msg:find("Corp IPsec GPO", 1, true) ~= nil,
      "ipsec.delete of the GPO policy is refused (not_permitted, naming the GPO): " .. tostring(msg))
check(ipsec.get("Corp-QM") ~= nil, "the GPO policy is still cached")
if failed > 0 then error(failed .. " check(s) failed", 0) end
