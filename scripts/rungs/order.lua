-- The standard ladder's order: each name is a file in scripts/rungs/. Edit this list to reorder
-- the rungs, drop one, or add your own (a file here in the same format); the driver checks
-- each when it loads it.
return { "identify", "delete", "spd_sas", "spd_orphan_filter", "spd_filter", "gpupdate", "restart", "handle_check",
         "unassign", "offload", "registry", "reboot" }
