-- Rung gpupdate: one refresh of computer policy for what group policy's cache brings back.

return {
  name = "gpupdate",
  tells = "Refreshes computer policy once (`gpupdate /target:computer /force /wait:N`, computer policy only; "
       .. "N = 600, or less so it ends inside mend's own --timeout) for the policies whose delete was accepted "
       .. "but which group policy's cache keeps listing, and for stale copies of GPO-delivered policies (one "
       .. "that stays after the refresh ends `failed`, never deleted locally).",
  applies = function(_, p) return p.kind == "accepted" or p.kind == "gpo_stale" end,
  act = function(ctx, set)
    ctx:want("gpupdate", set)
  end,
}
