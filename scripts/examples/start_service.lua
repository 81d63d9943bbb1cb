-- Starts the named services (and what they depend on), e.g. one a restart could not bring back:
--   mend run --allow service scripts/examples/start_service.lua VpnAgent
-- Exit code: 0 every one runs, 1 one did not start.
local failed = 0
for _, name in ipairs(mend.args) do
  local ok, msg, code = svc.start(name)
  local s = ok and svc.query(name)
  mend.step{ rung = "start_service", action = "svc.start", target = name, ok = ok == true, code = code,
             message = ok and string.format("%s is %s", name, s and s.state or "running") or msg }
  if not ok then
    failed = failed + 1
    mend.advise(string.format("%s did not start: %s", name, msg))
  end
end
if #mend.args == 0 then
  log.error("usage: mend run --allow service scripts/examples/start_service.lua SERVICE...")
  return 2
end
return failed == 0 and 0 or 1
