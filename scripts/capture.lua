-- `mend capture`: writes this machine's IPsec-relevant state as a simulator scenario (a twin).
--
--   mend capture                      every policy, printed on standard output
--   mend capture "Corp-QM" -o twin.lua   the named policies, written to twin.lua
--   mend check --host sim:twin.lua    the twin reports what this machine reports
--
-- It only reads: policies, PolicyAgent and the services it depends on, the processes holding
-- handles on the policy store (pid and name only), NICs and their offload setting, and the
-- store's registry subtree. Nothing else leaves the machine. The output is sorted and bounded
-- so that two captures of the same machine are byte-identical.
--
--   mend capture --evidence DIR        a bundle of this machine's raw facts (docs/evidence.md)
--   mend capture --from-evidence DIR -o twin.lua   the twin from such a bundle
local twin = require "lib.twin"

local output, evidence_dir, from_evidence, force, wanted = nil, nil, nil, false, {}
for _, a in ipairs(mend.args) do
  local o = a:match("^%-%-output=(.*)$")
  local ev = a:match("^%-%-evidence=(.*)$")
  local fe = a:match("^%-%-from%-evidence=(.*)$")
  if o then output = o
  elseif ev then evidence_dir = ev
  elseif fe then from_evidence = fe
  elseif a == "--force" then force = true
  else wanted[#wanted + 1] = a end
end

if evidence_dir then
  if #wanted > 0 then
    log.error("--evidence collects the whole machine's facts; it takes no policy names (%s)", wanted[1])
    return 2
  end
  return require("lib.evidence").write(evidence_dir, force)
end

local facts
if from_evidence then
  local why
  facts, why = require("lib.evidence").read(from_evidence)
  if not facts then
    log.error("cannot read the evidence bundle %s: %s", from_evidence, why)
    return 2
  end
else
  -- This machine, read live.
  local all, msg = ipsec.policies()
  if not all then
    log.error("cannot list the IPsec policies: %s", msg)
    return 2
  end
  facts = { policies = all, store = { exists = reg.exists, keys = reg.keys, values = reg.values },
            critical = {}, services = {}, service_notes = {} }
  facts.view = require("lib.diagnose").read("capture")
  facts.nics, facts.nics_error = nic.list()
  facts.holders, facts.holders_error = handles.holders(twin.STORE)
  if facts.holders then
    for _, p in ipairs(proc.list() or {}) do if p.critical then facts.critical[p.pid] = true end end
  end
  -- PolicyAgent's dependents too: a PolicyAgent restart on the twin must bring them back as on
  -- the machine, and `mend check` flags one that is stopped.
  local names = {}
  for _, name in ipairs(twin.SERVICES) do names[#names + 1] = name end
  for _, name in ipairs(svc.dependents("PolicyAgent", { all = true }) or {}) do names[#names + 1] = name end
  for _, name in ipairs(names) do
    local s, smsg, code = svc.query(name)
    if s then
      facts.services[name] = s
    elseif code ~= "not_found" then
      facts.service_notes[#facts.service_notes + 1] = string.format("service %s could not be queried: %s", name, smsg)
    end
  end
end

local text, summary = twin.build(facts, wanted)
if output then
  local f, ferr = io.open(output, "wb")
  if not f then
    log.error("cannot write the capture: %s", ferr)
    return 2
  end
  local ok, werr = f:write(text)
  local closed, cerr = f:close()
  if not ok or not closed then
    log.error("cannot write the capture to %s: %s", output, werr or cerr)
    return 2
  end
  log.info("captured %s to %s", summary, output)
else
  io.stdout:write(text)
end
mend.step{ rung = "capture", action = "capture", ok = true, target = output or "stdout", message = summary }
return 0
