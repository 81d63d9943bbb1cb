-- The floor for `mend fix` on a big simulated machine: what the stock interpreter needs to load
-- the same saved state and write it back (no ladder, no checks, no journal, no fsync).
--   lua5.4 bench/floor.lua STATE.lua OUT.lua
local src, dst = assert(arg[1], "usage: lua5.4 floor.lua STATE OUT"), assert(arg[2], "usage: lua5.4 floor.lua STATE OUT")
local state = dofile(src)

local out, n = {}, 0
local function put(s) n = n + 1; out[n] = s end

-- Writes v as a Lua constructor, keys in the order pairs gives them (sorting is mend's extra).
local function write(v, indent)
  local t = type(v)
  if t == "string" then put(string.format("%q", v))
  elseif t == "number" or t == "boolean" then put(tostring(v))
  elseif t == "table" then
    put("{")
    local len = #v
    for i = 1, len do
      put("\n" .. indent .. "  ")
      write(v[i], indent .. "  ")
      put(",")
    end
    for k, x in pairs(v) do
      if not (math.type(k) == "integer" and k >= 1 and k <= len) then
        put("\n" .. indent .. "  ")
        if type(k) == "string" and k:match("^[%a_][%w_]*$") then put(k) else put("["); write(k, indent); put("]") end
        put(" = ")
        write(x, indent .. "  ")
        put(",")
      end
    end
    put("\n" .. indent .. "}")
  else
    error("cannot write a " .. t)
  end
end

put("return ")
write(state, "")
put("\n")
local f = assert(io.open(dst, "wb"))
f:write(table.concat(out))
f:close()
