-- luacheck settings for mend scripts. GENERATED from scripts/types/mend.lua by
-- `python3 tests/term/luacheck_clean.py --write`; test term_luacheck_clean fails when they differ.
-- Use: luacheck scripts/ (docs/lua-api.md, "Editor support").
std = "lua54"
max_line_length = 140
-- Callbacks and methods take the arguments mend passes, used or not.
unused_args = false
-- The annotations only declare the API (never run).
exclude_files = { "scripts/types/*.lua" }
-- mend's API: read-only globals with exactly the documented fields (a typo is a warning).
read_globals = {
  ipsec = { fields = { "assign", "create", "delete", "get", "policies", "remove_from_store", "state", "states", "store_key" } },
  svc = { fields = { "dependents", "query", "restart", "start", "stop" } },
  handles = { fields = { "holders", "index", "scan" } },
  proc = { fields = { "find", "kill", "list" } },
  reg = { fields = { "delete", "exists", "export", "get", "import", "keys", "parse", "set", "values" } },
  sys = { fields = { "clear_resume", "expect_reboot", "gpupdate", "is_admin", "os", "reboot", "resume_after_reboot", "resume_record", "sleep" } },
  nic = { fields = { "list", "set_ipsec_offload" } },
  spd = { fields = { "delete_filter", "delete_qm_policy", "delete_sas", "filters", "qm_policies", "sas" } },
  events = { fields = { "recent" } },
  evidence = { fields = { "export_store", "ipsec_show", "prepare", "sha256" } },
  log = { fields = { "debug", "error", "info", "warn" } },
  mend = { fields = { "advise", "allowed", "args", "confirm", "deleted_before", "dry_run", "flags", "host", "outcome", "progress", "purpose", "report_data", "run_outcome", "step", "stop_holders", "version" } },
  plan = { fields = { "actions", "done", "field", "preflight", "ran", "stop", "verify" } },
}
-- apply.lua runs with the plan it carries out (bindings/plan.c), a global of its own.
files["scripts/apply.lua"] = { read_globals = { "plan" } }
