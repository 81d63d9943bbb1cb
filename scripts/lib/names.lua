-- Names that match no policy: the nearest existing names, and the advice that offers them.
--
--   local names = require "lib.names"
--   names.nearest("corp-qm", all)     -- up to 3 existing names, nearest first
--   names.advise_missing({ "Branch", "Office", "QM" }, "check")
local M = {}

M.MAX = 3
M.ADVISED = 10     -- missing names advised one by one; the rest in one line (a batch of gone names)
M.MAX_WORDS = 8    -- at most this many unquoted words are tried together as one name

-- Levenshtein distance on bytes, giving up (returning limit + 1) once every path exceeds limit.
local function distance(a, b, limit)
  local la, lb = #a, #b
  if math.abs(la - lb) > limit then return limit + 1 end
  local prev, cur = {}, {}
  for j = 0, lb do prev[j] = j end
  for i = 1, la do
    cur[0] = i
    local best = i
    local ca = a:byte(i)
    for j = 1, lb do
      local cost = (ca == b:byte(j)) and 0 or 1
      local v = prev[j - 1] + cost
      if prev[j] + 1 < v then v = prev[j] + 1 end
      if cur[j - 1] + 1 < v then v = cur[j - 1] + 1 end
      cur[j] = v
      if v < best then best = v end
    end
    if best > limit then return limit + 1 end
    prev, cur = cur, prev
  end
  return prev[lb]
end
M.distance = distance

-- Up to M.MAX names of `all` nearest to `name`, letter case ignored: within a third of its
-- length in edits (at least 2), or containing it (a word of a name typed without quotes).
function M.nearest(name, all)
  local want = name:lower()
  local limit = math.max(2, #want // 3)
  local found = {}
  for _, n in ipairs(all) do
    local low = n:lower()
    local d = distance(want, low, limit)
    local contains = #want >= 2 and low:find(want, 1, true) ~= nil
    if d <= limit or contains then found[#found + 1] = { name = n, d = math.min(d, limit + 1) } end
  end
  table.sort(found, function(x, y)
    if x.d ~= y.d then return x.d < y.d end
    return x.name < y.name
  end)
  local out = {}
  for i = 1, math.min(M.MAX, #found) do out[i] = found[i].name end
  return out
end

-- Advice for the names no policy has (in the order given): the nearest names for each, and the
-- quoted name when consecutive missing words together name a policy. `command` is "check" or
-- "fix". Lists the policies once; says nothing when the list cannot be read.
function M.advise_missing(missing, command)
  if #missing == 0 then return end
  local list = ipsec.policies()
  if not list then return end
  local all, exists = {}, {}
  for i, p in ipairs(list) do
    all[i] = p.name
    exists[p.name] = true
  end
  local joined = {}
  for i = 1, #missing do
    local words = { missing[i] }
    for j = i + 1, math.min(#missing, i + M.MAX_WORDS - 1) do
      words[#words + 1] = missing[j]
      local whole = table.concat(words, " ")
      if exists[whole] then joined[#joined + 1] = whole end
    end
  end
  for _, whole in ipairs(joined) do
    mend.advise(string.format("No policy is named %s, but one is named %s: a name with spaces needs quotes: "
      .. "mend %s \"%s\"", table.concat(missing, ", "), whole, command, whole))
  end
  for k, name in ipairs(missing) do
    if k > M.ADVISED then
      mend.advise(string.format("%d more names match no policy (first: %s); every missing name is in the report.",
                                #missing - M.ADVISED, missing[k]))
      break
    end
    local near = M.nearest(name, all)
    if #near > 0 then
      mend.advise(string.format("No policy is named %s. Did you mean: %s?", name, table.concat(near, ", ")))
    else
      mend.advise(string.format("No policy is named %s (mend check lists what is pending; netsh ipsec static "
        .. "show policy all lists every policy).", name))
    end
  end
end

return M
