-- Rung registry: the nuclear option, the policy's store objects removed after a .reg backup.
local quote = require "lib.quote"
local advice = require "lib.advice"
local AGENT = require("lib.ctx").AGENT

return {
  name = "registry",
  gate = "registry",
  tells = "The nuclear option, for a delete that fails with another error (a corrupt store entry): backs "
       .. "up every store key the policy owns into one .reg per policy (nothing is removed if that fails; "
       .. "`reg import FILE` restores it), removes the policy with its ISAKMP object, rules (`ipsecNFA`) "
       .. "and the filter actions and lists no other policy uses (shared ones only lose its rules), clears "
       .. "ActivePolicy if it named it, never the parent `...\\Policy\\Local` nor a GPO-delivered "
       .. "policy; then PolicyAgent restarts so it rebuilds its table.",
  applies = function(_, p) return p.kind == "io" or p.kind == "other" end,
  act = function(ctx, set)
    -- One backup per policy: each restores its own graph, and one refused or failed removal
    -- leaves the others' backups exact.
    local removed, backups = {}, {}
    for _, p in ipairs(set) do
      -- Each prompt is for its own policy and says the restart that follows.
      mend.purpose({ policies = { p.name }, restart = AGENT })
      local ok, backup, info = ipsec.remove_from_store(p.name)
      if ok then
        ctx:step(p, { action = "ipsec.remove_from_store", target = p.name, ok = true, backup = backup,
                      message = string.format("removed %s from the store%s; backup %s",
                                              quote.plural(#info.removed, "object", "objects"),
                                              #info.updated > 0 and (", " .. #info.updated
                                                .. " shared kept without it") or "",
                                              tostring(backup)) })
        removed[#removed + 1] = p
        backups[#backups + 1] = { p = p, file = backup }
      elseif info == "not_permitted" then
        ctx:refused(p, "removing its objects from the policy store (a .reg backup is written first)", backup)
      else
        ctx:step(p, { action = "ipsec.remove_from_store", target = p.name, ok = false, code = info, message = backup })
        ctx:fail(p, "could not remove it from the store: " .. tostring(backup),
                 info == "access_denied" or info == "invalid")
      end
    end
    if #backups > 0 and #backups <= advice.MANY then
      for _, b in ipairs(backups) do
        ctx:note(string.format("%s: its store objects were removed; the backup %s restores them (reg import).",
                               b.p.name, tostring(b.file)))
      end
    elseif #backups > advice.MANY then
      ctx:note(string.format("%d policies were removed from the store; each has a .reg backup in mend's backups folder.", #backups))
    end
    if #removed > 0 then
      ctx:want("restart", removed, "removed from the store")
    end
  end,
}
