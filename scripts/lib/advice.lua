-- The advice at the end of a ladder run: what blocked each policy and the command that allows
-- it, the reboot and its resume, what failed and why, and what Group Policy has to do.
local quote = require "lib.quote"
local handle_check = require "handle_check"

local plural = quote.plural

local M = {}

M.MANY = 10   -- above this many policies, advice is grouped instead of one line each
local MANY = M.MANY

M.GPUPDATE = "gpupdate /target:computer /force"

-- What the admin does about a stuck policy a GPO delivers (cur: what ipsec.get returned). The
-- local store cannot remove Group Policy's cached copy: the GPO must stop assigning it.
function M.gpo(name, cur)
  if cur.gpo_assigned == false then
    return string.format("%s is a stale copy in Group Policy's cache (GPO: %s): no GPO assigns it any more, "
      .. "and one refresh of computer policy clears it (mend fix %s runs %s)", name, cur.gpo,
      quote.quote(name), M.GPUPDATE)
  end
  return string.format("%s comes from Group Policy: the GPO '%s' assigns it, so no local delete can remove it. "
    .. "In Group Policy Management, unlink that GPO from this computer's OU or unassign its IPsec policy, "
    .. "then run: %s", name, cur.gpo, M.GPUPDATE)
end

local function needed_caps(p, with_reboot)
  local caps, whats = {}, {}
  for _, c in ipairs(p.need_order) do
    if with_reboot or c ~= "reboot" then
      caps[c] = true
      whats[#whats + 1] = p.needs[c]
    end
  end
  return caps, whats
end

-- Above MANY items, advice is one line per group instead of one per item: the groups in the
-- order their first item came, each { key = key_of(item), items, caps (the union of
-- caps_of(item), sets of gate names), first (the first three names, comma-separated) }. Nil
-- for MANY items or fewer: advise each one.
function M.groups(list, key_of, caps_of)
  if #list <= MANY then return nil end
  local by_key, out = {}, {}
  for _, item in ipairs(list) do
    local key = key_of(item)
    local g = by_key[key]
    if not g then
      g = { key = key, items = {}, caps = {}, names = {} }
      by_key[key], out[#out + 1] = g, g
    end
    g.items[#g.items + 1] = item
    if #g.names < 3 then g.names[#g.names + 1] = item.name end
    for c in pairs(caps_of and caps_of(item) or {}) do g.caps[c] = true end
  end
  for _, g in ipairs(out) do g.first, g.names = table.concat(g.names, ", "), nil end
  return out
end

-- M.groups for a list too long to keep (check at 100,000 policies): add(item) one by one; a
-- group keeps its count (n), its first item (head) and the union of the caps, and the items
-- themselves are kept only while there are MANY or fewer. result() gives M.groups' groups
-- (with n and head instead of items), or nil and the items when there are MANY or fewer.
function M.grouper(key_of, caps_of)
  local few, n, by_key, out = {}, 0, {}, {}
  local function group(item)
    local key = key_of(item)
    local g = by_key[key]
    if not g then
      g = { key = key, n = 0, head = item, caps = {}, names = {} }
      by_key[key], out[#out + 1] = g, g
    end
    g.n = g.n + 1
    if #g.names < 3 then g.names[#g.names + 1] = item.name end
    for c in pairs(caps_of and caps_of(item) or {}) do g.caps[c] = true end
  end
  local gr = {}
  function gr.add(item)
    n = n + 1
    if n <= MANY then
      few[n] = item
      return
    end
    if few then
      for _, f in ipairs(few) do group(f) end
      few = nil
    end
    group(item)
  end
  function gr.result()
    if few then return nil, few end
    for _, g in ipairs(out) do g.first, g.names = table.concat(g.names, ", "), nil end
    return out
  end
  return gr
end

local function caps_key(caps)
  local key = {}
  for _, c in ipairs(quote.CAP_ORDER) do if caps[c] then key[#key + 1] = c end end
  return table.concat(key, ",")
end

function M.blocked(list)
  local function caps_of(p) return (needed_caps(p, false)) end
  local groups = M.groups(list, function(p) return caps_key(caps_of(p)) end, caps_of)
  if groups then
    for _, g in ipairs(groups) do
      local holders = {}
      for _, p in ipairs(g.items) do
        for n in pairs(p.stop_holders or {}) do holders[n] = true end
      end
      mend.advise(string.format("%s are blocked: they need --allow %s, which was not given (first: %s). "
        .. "To allow it for every policy pending deletion: %s", plural(#g.items, "policy", "policies"), g.key,
        g.first, quote.command(nil, g.caps, holders)))
    end
    return
  end
  local all_caps, all_names = {}, {}
  local all_holders = {}
  for _, p in ipairs(list) do
    local caps, whats = needed_caps(p, false)
    mend.advise(string.format("%s is blocked: it needs %s, which was not allowed. To allow it: %s",
                              p.name, table.concat(whats, "; and "), quote.command({ p.name }, caps, p.stop_holders)))
    for c in pairs(caps) do all_caps[c] = true end
    for n in pairs(p.stop_holders or {}) do all_holders[n] = true end
    all_names[#all_names + 1] = p.name
  end
  if #list > 1 then
    mend.advise("All of them at once: " .. quote.command(all_names, all_caps, all_holders))
  end
end

function M.reboot(ctx, list)
  if #list == 0 then return end
  local names = {}
  for _, p in ipairs(list) do names[#names + 1] = p.name end
  local shown = #names <= MANY and names or nil
  local quoted = {}
  for i, n in ipairs(shown or {}) do quoted[i] = quote.quote(n) end
  local resume = "mend fix --resume " .. (shown and table.concat(quoted, " ") or "--all-pending")
  if not quote.all_cmd_safe(shown) then
    resume = quote.all_list_safe(shown) and ("mend batch --resume " .. quote.LIST_FILE .. quote.LIST_NOTE)
      or ("mend fix --resume --all-pending" .. quote.ALL_NOTE)
  end
  if ctx.reboot_initiated then
    if ctx.resume_unregistered then
      mend.advise(string.format("Windows is restarting to clear %s, but the resume could not be registered "
        .. "(%s): after boot, run `%s` yourself to verify and finish.", plural(#names, "policy", "policies"),
        ctx.resume_unregistered, resume))
    else
      mend.advise(string.format("Windows is restarting to clear %s; after boot `%s` runs by itself "
        .. "(the scheduled task \\mend\\resume, at startup as SYSTEM, no logon needed) to verify and finish.",
        plural(#names, "policy", "policies"), resume))
    end
    -- InitiateSystemShutdownEx without forcing applications closed: a success return does not
    -- mean the restart will happen.
    mend.advise("The restart starts in 30 seconds, but an application with unsaved data in the console "
      .. "session can hold it \"in progress\" until someone answers it: if the machine has not restarted "
      .. "after a few minutes, check the console, or cancel with `shutdown /a` and restart when convenient "
      .. "(the task still resumes at the next boot within 7 days).")
    return
  end
  local subject = shown and table.concat(names, ", ") or plural(#names, "policy", "policies")
  -- Why: what the last rung ran into, when it was one thing; else the driver state.
  local why = "nothing else the ladder can do clears it; the IPsec driver keeps it until boot"
  local last = list[1].errors[#list[1].errors]
  if #list == 1 and last then why = last end
  mend.advise(string.format("%s: only a reboot can clear %s now (%s). To let mend reboot and finish after "
    .. "boot: %s - or reboot when convenient and then run: %s", subject, #names == 1 and "it" or "them", why,
    quote.command(shown, { reboot = true }), resume))
end

-- A policy still refused "in use" whose handle scan was partly blind: say where it could not look.
function M.unseen(policies)
  local names, unseen = {}, nil
  for _, p in ipairs(policies) do
    if p.outcome ~= "fixed" and p.outcome ~= "healthy" and p.outcome ~= "not_found" and p.kind == "in_use"
       and p.unseen and #p.unseen > 0 then
      names[#names + 1] = p.name
      unseen = unseen or p.unseen
    end
  end
  if not unseen then return end
  mend.advise(string.format("%s still in use: the handle check could not look inside %s (a protected "
    .. "or system process), so a holder may be hidden there. mend never stops those; a VPN or security "
    .. "client running as a protected process has to be stopped from its own console or uninstalled.",
    #names <= MANY and table.concat(names, ", ") or plural(#names, "policy", "policies"),
    handle_check.describe_unseen(unseen, 5)))
end

function M.failed(ctx, list)
  for i, p in ipairs(list) do
    if i > MANY then
      mend.advise(string.format("%d more policies could not be fixed; see their steps in the report.", #list - MANY))
      break
    end
    local why = #p.errors > 0 and p.errors[#p.errors] or p.last_msg or "no rung applied"
    local rec = ctx.resume_record
    local tail = (ctx.rebooted or (ctx.resume and rec and rec.rebooted)) and " even after a reboot" or ""
    mend.advise(string.format("%s is still pending deletion%s: %s", p.name, tail, why))
  end
end

-- Policies whose state the host cannot tell, left alone by `mend fix` with no names.
function M.unknown_states(unknown, reason)
  if #unknown == 0 then return end
  local shown = table.concat(unknown, ", ", 1, math.min(#unknown, MANY)) .. (#unknown > MANY and ", ..." or "")
  mend.advise(string.format("mend cannot tell whether %s (%s) %s pending deletion: %s. Left alone; to try "
    .. "the ladder on the one Windows reported 0x32DF (13023) for, name it: %s",
    plural(#unknown, "policy", "policies"), shown, #unknown == 1 and "is" or "are",
    (reason or "the host cannot tell"):gsub("; if Windows reported.*$", ""),
    quote.command({ #unknown == 1 and unknown[1] or "NAME" }, nil)))
end

return M
