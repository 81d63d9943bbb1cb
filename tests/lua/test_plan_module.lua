-- plan: a module like the others (require "plan" is the global plan); outside mend apply every
-- function answers nil, message, code instead of raising.
local t = require "testlib"

t.eq(require "plan", plan)
for _, name in ipairs { "actions", "preflight", "field", "verify", "ran", "done", "stop" } do
  local ok, msg, code = plan[name](1)
  t.eq(ok, nil)
  t.eq(code, "invalid")
  assert(msg:find("mend apply", 1, true), msg)
end
