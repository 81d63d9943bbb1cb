-- Names that match no policy: the nearest existing names, and the advice that offers them.
--
--   local names = require "lib.names"
--   names.nearest("corp-qm", all)     -- up to 3 existing names, nearest first
--   names.advise_missing({ "Branch", "Office", "QM" }, "check")
--
-- Its cost does not grow with the machine: the names are read and sorted once per run, and a
-- missing name is compared only with the names beside it in name order and in reversed-name
-- order (a typo keeps the start or the end of a name; so does a word of a name typed without
-- quotes, unless it is a middle word), never with every policy; a short list is compared whole.
local M = {}

M.MAX = 3
M.ADVISED = 10     -- missing names advised one by one; the rest in one line (a batch of gone names)
M.MAX_WORDS = 8    -- at most this many unquoted words are tried together as one name
M.MAX_EDITS = 8    -- a typo is a few edits, however long the name
M.WINDOW = 4       -- names looked at on each side of a missing name, in each of the two orders
M.WHOLE = 256      -- a list this short is compared whole (the advice is then exact)
M.LONGEST = 4096   -- a longer missing name is matched only as a part of a name, not by edits

local huge = math.huge
local row_a, row_b = {}, {}   -- the distance's two rows, reused

-- Levenshtein distance of byte arrays x[1..lx] and y[1..ly], giving up (returning limit + 1)
-- once every path exceeds limit: common ends are skipped, and only the band of cells within
-- limit of the diagonal is filled.
local function distance_bytes(x, lx, y, ly, limit)
  if lx - ly > limit or ly - lx > limit then return limit + 1 end
  local s = 1
  local short = lx < ly and lx or ly
  while s <= short and x[s] == y[s] do s = s + 1 end
  while lx >= s and ly >= s and x[lx] == y[ly] do lx, ly = lx - 1, ly - 1 end
  local n, m = lx - s + 1, ly - s + 1
  if n == 0 or m == 0 then return n + m end
  local over = limit + 1
  local prev, cur = row_a, row_b
  for j = 0, m do prev[j] = j <= limit and j or over end
  for i = 1, n do
    local lo, hi = i - limit, i + limit
    if lo < 1 then lo = 1 end
    if hi > m then hi = m end
    local left = lo == 1 and i or over
    cur[lo - 1] = left
    local best = left
    local xi = x[s + i - 1]
    for j = lo, hi do
      local v = prev[j - 1] + (xi == y[s + j - 1] and 0 or 1)
      local up = prev[j] + 1
      if up < v then v = up end
      if left + 1 < v then v = left + 1 end
      cur[j] = v
      left = v
      if v < best then best = v end
    end
    cur[hi + 1] = over   -- outside the band: what the next row reads above its last cell
    if best > limit then return over end
    prev, cur = cur, prev
  end
  local d = prev[m]
  return d <= limit and d or over
end

-- Levenshtein distance on bytes, giving up (returning limit + 1) once every path exceeds limit.
function M.distance(a, b, limit)
  limit = limit or huge
  if limit == huge then limit = math.max(#a, #b) end
  return distance_bytes({ a:byte(1, -1) }, #a, { b:byte(1, -1) }, #b, limit)
end

-- The names in both orders, for looking up the neighbours of a missing name: each order a
-- sorted list of keys (the lowered name, or it reversed, then the name) and the entry of each key.
local function build(names)
  local ix = { n = #names, by_name = {}, by_rev = {}, entry = {}, has = {}, dead = {}, ndead = 0 }
  for i, name in ipairs(names) do
    local low = name:lower()
    local e = { name = name, low = low }
    local k, r = low .. "\0" .. name, low:reverse() .. "\0" .. name
    ix.by_name[i], ix.by_rev[i] = k, r
    ix.entry[k], ix.entry[r] = e, e
    ix.has[name] = e
  end
  table.sort(ix.by_name)   -- strings compared in C: no Lua call per comparison
  table.sort(ix.by_rev)
  return ix
end

-- The first position in a sorted list whose key is not below k.
local function lower_bound(list, k)
  local lo, hi = 1, #list + 1
  while lo < hi do
    local mid = (lo + hi) // 2
    if list[mid] < k then lo = mid + 1 else hi = mid end
  end
  return lo
end

-- Up to M.WINDOW live entries on each side of k in list, looking at no more than four times that.
local function neighbours(ix, list, k, out)
  local at, n, window = lower_bound(list, k), #list, M.WINDOW
  for step = -1, 1, 2 do
    local i, taken, looked = step < 0 and at - 1 or at, 0, 0
    while i >= 1 and i <= n and taken < window and looked < 4 * window do
      local e = ix.entry[list[i]]
      if not ix.dead[e.name] then out[#out + 1] = e; taken = taken + 1 end
      looked = looked + 1
      i = i + step
    end
  end
end

local function better(d1, n1, d2, n2)
  return d1 < d2 or (d1 == d2 and n1 < n2)
end

-- Up to k entries of ix nearest to name, nearest first ({d =, e =}): within a third of its
-- length in edits (at least 2, at most M.MAX_EDITS) or containing it (a word of a name typed
-- without quotes), letter case ignored, ties by name.
local function rank(ix, name, k)
  local want = name:lower()
  local lw = #want
  local limit = math.min(M.MAX_EDITS, math.max(2, lw // 3))
  local cands = {}
  if ix.n - ix.ndead <= M.WHOLE then
    for _, key in ipairs(ix.by_name) do
      local e = ix.entry[key]
      if not ix.dead[e.name] then cands[#cands + 1] = e end
    end
  else
    neighbours(ix, ix.by_name, want, cands)
    neighbours(ix, ix.by_rev, want:reverse(), cands)
  end
  local wb = lw <= M.LONGEST and { want:byte(1, -1) }
  local top, seen, bound = {}, {}, limit
  for _, e in ipairs(cands) do
    if not seen[e] then
      seen[e] = true
      local d, le = limit + 1, #e.low
      if wb and le - lw <= bound and lw - le <= bound then
        e.bytes = e.bytes or { e.low:byte(1, -1) }
        local got = distance_bytes(wb, lw, e.bytes, le, bound)
        if got <= bound then d = got end
      end
      if d <= limit or (lw >= 2 and e.low:find(want, 1, true)) then
        local nt, cand = #top, e.name
        local last = top[nt]
        if nt < k or better(d, cand, last.d, last.e.name) then
          local i = nt < k and nt + 1 or k
          while i > 1 do
            local above = top[i - 1]
            if not better(d, cand, above.d, above.e.name) then break end
            top[i] = above
            i = i - 1
          end
          top[i] = { d = d, e = e }
          -- Only as near as the k-th can still get in: a cheaper distance for the rest.
          if #top == k and top[k].d < bound then bound = top[k].d end
        end
      end
    end
  end
  return top
end

-- Up to M.MAX names of `all` nearest to `name`, letter case ignored: within a third of its
-- length in edits (at least 2, at most M.MAX_EDITS), or containing it.
function M.nearest(name, all)
  local out = {}
  for i, c in ipairs(rank(build(all), name, M.MAX)) do out[i] = c.e.name end
  return out
end

-- The policies' names, read once per run; a name found gone is marked, and the list is read
-- again once half of it is gone. (A policy created after the read is not offered.)
local index

local function live_index()
  if index and index.ndead * 2 > index.n then index = nil end
  if not index then
    local list = ipsec.policies()
    if not list then return nil end
    local names = {}
    for i, p in ipairs(list) do names[i] = p.name end
    index = build(names)
  end
  return index
end

local function mark_gone(ix, name)
  if ix.has[name] and not ix.dead[name] then
    ix.dead[name] = true
    ix.ndead = ix.ndead + 1
  end
end

-- Whether a policy of the list still has this name (asked of the host: the list may be old).
local function exists(ix, name)
  if not ix.has[name] or ix.dead[name] then return false end
  local p, _, code = ipsec.get(name)
  if p or code ~= "not_found" then return true end
  mark_gone(ix, name)
  return false
end

-- Up to M.MAX existing names nearest to name; a gone one gives its place to the next.
local function nearest_existing(ix, name)
  local out = {}
  for _ = 1, 4 do
    out = {}
    local died = false
    for _, c in ipairs(rank(ix, name, 4 * M.MAX)) do
      if exists(ix, c.e.name) then
        out[#out + 1] = c.e.name
        if #out == M.MAX then return out end
      else
        died = true
      end
    end
    if not died then break end
  end
  return out
end

-- Advice for the names no policy has (in the order given): the nearest names for each, and the
-- quoted name when consecutive missing words together name a policy. `command` is "check" or
-- "fix". Says nothing when the list cannot be read.
local ESCAPES = { ["\n"] = "\\n", ["\t"] = "\\t", ["\r"] = "\\r" }

-- A name as advice shows it: as typed, unless what sets it apart would not show (a blank at
-- either end, a control character): then in quotes, control characters escaped.
function M.shown(s)
  if not (s:find("^%s") or s:find("%s$") or s:find("%c")) then return s end
  return '"' .. s:gsub("%c", function(c) return ESCAPES[c] or string.format("\\x%02X", c:byte()) end) .. '"'
end

-- Every character outside ASCII as <U+XXXX>: a look-alike (a non-breaking hyphen for "-",
-- a Cyrillic "о" for "o") then reads differently from the name it imitates.
local function spelled(s)
  if not utf8.len(s) then return M.shown(s) end
  return M.shown((s:gsub(utf8.charpattern, function(ch)
    return #ch == 1 and ch or string.format("<U+%04X>", utf8.codepoint(ch))
  end)))
end

-- What copying a name out of a mail or a document puts in it and a terminal does not show
-- apart: dashes and a minus for "-", curly quotes, no-break and zero-width spaces, a BOM.
local function lookalike(cp)
  return (cp >= 0x2010 and cp <= 0x2015) or cp == 0x2212 or (cp >= 0x2018 and cp <= 0x201F)
    or cp == 0x00A0 or (cp >= 0x200B and cp <= 0x200D) or cp == 0x2060 or cp == 0xFEFF or cp == 0x202F
end

local function has_lookalike(s)
  if not utf8.len(s) then return false end
  for _, cp in utf8.codes(s) do
    if lookalike(cp) then return true end
  end
  return false
end

-- The missing name and its suggestions, shown so that each differs visibly from the others.
local function shown_apart(name, near)
  local a, list, same = M.shown(name), {}, has_lookalike(name)
  for i, n in ipairs(near) do
    list[i] = M.shown(n)
    same = same or list[i] == a or has_lookalike(n)
  end
  if same then
    a = spelled(name)
    for i, n in ipairs(near) do list[i] = spelled(n) end
  end
  return a, table.concat(list, ", ")
end

function M.advise_missing(missing, command)
  if #missing == 0 then return end
  local ix = live_index()
  if not ix then return end
  for _, name in ipairs(missing) do mark_gone(ix, name) end
  local joined = {}
  for i = 1, #missing do
    local words = { missing[i] }
    for j = i + 1, math.min(#missing, i + M.MAX_WORDS - 1) do
      words[#words + 1] = missing[j]
      local whole = table.concat(words, " ")
      if exists(ix, whole) then joined[#joined + 1] = whole end
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
    local near = nearest_existing(ix, name)
    if #near > 0 then
      mend.advise(string.format("No policy is named %s. Did you mean: %s?", shown_apart(name, near)))
    else
      mend.advise(string.format("No policy is named %s (mend check lists what is pending; netsh ipsec static "
        .. "show policy all lists every policy).", M.shown(name)))
    end
  end
end

return M
