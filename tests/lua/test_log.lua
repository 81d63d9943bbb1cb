-- log: string.format semantics at every level; format errors and errors raised by __tostring
-- propagate to the script.
local t = require "testlib"

log.debug("debug %d", 1)
log.info("info %s %d %q", "text", 42, "quoted")
log.warn("warn line: %5.1f%%", 99.5)
log.error("error with %s", "Ünïcødé ✓")
log.info("plain text, no arguments")
log.info(12345)

t.raises("number expected, got string", log.info, "%d", "not a number")
t.raises("no value", log.warn, "%s %s", "one")
t.raises(nil, log.info)
t.raises("bad argument #1", log.error, {})
local obj = setmetatable({}, { __tostring = function() error("tostring exploded") end })
t.raises("tostring exploded", log.info, "%s", obj)
local named = setmetatable({}, { __tostring = function() return "a named thing" end })
log.info("object: %s", named)
t.eq(require "log", log)
return t.finish()
