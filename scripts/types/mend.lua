---@meta
-- LuaLS annotations for mend's Lua API (docs/lua-api.md). Never run: add this folder to
-- "Lua.workspace.library" so editors complete and check scripts written for mend.

---A stable error code: compare against these, never against messages.
---@alias mend.code
---| "not_found"        # the policy, service, key, value, process, NIC or file does not exist
---| "pending_deletion" # the policy name is stuck pending deletion (0x32DF)
---| "in_use"           # something holds the object (13002)
---| "access_denied"    # Windows refused (0x5); run elevated
---| "timeout"          # did not finish in time
---| "not_permitted"    # a gate said no, or a system-critical process
---| "exists"           # already there
---| "unsupported"      # this host cannot do it
---| "io"               # a file could not be read or written
---| "invalid"          # a value Windows cannot take (not UTF-8, out of range, malformed .reg)

---A gate that `--allow` opens.
---@alias mend.capability "kill"|"registry"|"reboot"|"nic"

---@alias mend.policy_state "active"|"pending_deletion"|"unknown"

---@alias mend.outcome_name "fixed"|"healthy"|"not_found"|"reboot_required"|"blocked"|"failed"

---@alias mend.reg_type
---| "REG_NONE"
---| "REG_SZ"
---| "REG_EXPAND_SZ"
---| "REG_BINARY"
---| "REG_DWORD"
---| "REG_DWORD_BIG_ENDIAN"
---| "REG_LINK"
---| "REG_MULTI_SZ"
---| "REG_RESOURCE_LIST"
---| "REG_FULL_RESOURCE_DESCRIPTOR"
---| "REG_RESOURCE_REQUIREMENTS_LIST"
---| "REG_QWORD"

---Registry data as Lua sees it: strings for REG_SZ/EXPAND_SZ/LINK and raw bytes, integers
---for REG_DWORD/REG_QWORD, a list of strings for REG_MULTI_SZ.
---@alias mend.reg_data string|integer|string[]

-- ---------------------------------------------------------------- ipsec

---@class mend.Policy
---@field name string
---@field guid string             # "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}"
---@field description string
---@field state mend.policy_state  # "unknown" on Windows: the store keeps no pending mark
---@field state_reason? string    # only with state "unknown": why
---@field assigned boolean
---@field sa_count integer
---@field store_key string        # registry path of its store entry
---@field source "local"|"gpo"     # "gpo": delivered by Group Policy, cached under ...\Policy\Cache
---@field gpo? string             # with source "gpo": the GPO's name (GPTIPSECPolicy GPOName), else its directory path
---@field gpo_assigned? boolean   # with source "gpo": the GPO still assigns it (false: a stale cache gpupdate clears)

---@class mend.PolicySpec
---@field name string
---@field description? string

---IPsec static policies.
ipsec = {}

---Every policy the Policy Agent knows.
---@return mend.Policy[]|nil policies
---@return string? message
---@return mend.code? code
function ipsec.policies() end

---One policy by name (`nil, msg, "not_found"` when absent).
---@param name string
---@return mend.Policy|nil policy
---@return string? message
---@return mend.code? code
function ipsec.get(name) end

---Only the policy's state and where it comes from, without building the policy table: what a
---check after each action needs (`nil, msg, "not_found"` when absent).
---@param name string
---@return mend.policy_state|nil state
---@return string? source_or_message # "local" or "gpo"; the message on failure
---@return mend.code? code
function ipsec.state(name) end

---Every policy's name and state, as two arrays in ipsec.policies()'s order (`states[i]` is
---`names[i]`'s state), without a table per policy.
---@return string[]|nil names
---@return mend.policy_state[]|string|nil states_or_message
---@return mend.code? code
function ipsec.states() end

---Deletes the policy. Counted as `deletes`.
---@param name string
---@return true|nil ok
---@return string? message
---@return mend.code? code
function ipsec.delete(name) end

---Assigns (true) or unassigns (false) the policy. Counted as `assigns`/`unassigns`.
---@param name string
---@param on boolean
---@return true|nil ok
---@return string? message
---@return mend.code? code
function ipsec.assign(name, on) end

---Creates a policy. Counted as `creates`. Fails `pending_deletion` for a stuck name or within
---a few seconds of deleting the same name.
---@param spec mend.PolicySpec
---@return true|nil ok
---@return string? message
---@return mend.code? code
function ipsec.create(spec) end

---The registry path of the policy's store entry.
---@param name string
---@return string|nil key
---@return string? message
---@return mend.code? code
function ipsec.store_key(name) end

---@class mend.StoreRemoval
---@field removed string[] keys removed, the policy's own first
---@field updated string[] shared objects that only lost the removed owners
---@field active_cleared boolean ActivePolicy named the policy and was cleared

---Removes the policy's whole object graph from the local store (policy, ISAKMP object, rules,
---and the filter actions and lists no other policy uses), after backing up every key it
---touches into one `.reg`; clears ActivePolicy if it named it. Gate `registry`; counted as
---`registry_deletes`. The Policy Agent forgets it at its next restart.
---@param name string
---@return true|nil ok
---@return string backup_file_or_message
---@return mend.StoreRemoval|mend.code removal_or_code
function ipsec.remove_from_store(name) end

-- ---------------------------------------------------------------- svc

---@alias mend.svc_state "stopped"|"start_pending"|"stop_pending"|"running"|"continue_pending"|"pause_pending"|"paused"
---@alias mend.svc_start "boot"|"system"|"auto"|"demand"|"disabled"

---@class mend.Service
---@field name string
---@field display_name string
---@field state mend.svc_state
---@field pid integer             # 0 when not running
---@field start_type mend.svc_start
---@field depends_on string[]     # the services it depends on (groups left out)

---@class mend.SvcOpts
---@field timeout? number         # seconds to wait, default 30
---@field dependents? boolean     # svc.stop only: stop running dependents too (they stay stopped)

---@class mend.SvcDown
---@field name string
---@field message string
---@field code mend.code

---What a stop or restart did to the services that depend on the target.
---@class mend.SvcDependents
---@field stopped string[]        # in stop order
---@field started string[]        # started again, dependencies first
---@field down mend.SvcDown[]     # did not start again: the run is at best `partial`

---Services. start/stop/restart need gate `service`, except a restart of PolicyAgent.
svc = {}

---@param name string
---@return mend.Service|nil service
---@return string? message
---@return mend.code? code
function svc.query(name) end

---Reads only: the services that depend on name, directly or through others, in stop order;
---the active ones unless `all`.
---@param name string
---@param opts? {all?: boolean}
---@return string[]|nil names
---@return string? message
---@return mend.code? code
function svc.dependents(name, opts) end

---Starts the service (and stopped dependencies). Gate `service`; counted as `service_starts`.
---@param name string
---@param opts? mend.SvcOpts
---@return true|nil ok
---@return string? message
---@return mend.code? code
function svc.start(name, opts) end

---Stops the service. Refused `in_use` (1051) while dependents run unless `opts.dependents`,
---which stops them first and leaves them stopped. Gate `service`; counted as `service_stops`.
---@param name string
---@param opts? mend.SvcOpts
---@return true|nil ok
---@return string|mend.SvcDependents message_or_deps
---@return mend.code? code
---@return mend.SvcDependents? deps
function svc.stop(name, opts) end

---Stops the running dependents, stop then start, starts the dependents again (a stopped
---service is just started). Gate `service` except for PolicyAgent; counted once as
---`service_restarts`, each dependent in `service_stops` and `service_starts`.
---@param name string
---@param opts? mend.SvcOpts
---@return true|nil ok
---@return string|mend.SvcDependents message_or_deps
---@return mend.code? code
---@return mend.SvcDependents? deps
function svc.restart(name, opts) end

-- ---------------------------------------------------------------- handles

---@class mend.Handle
---@field pid integer
---@field process string          # image name of the owner
---@field handle integer          # handle value in the owner
---@field type string             # "Key", "File", ...
---@field name string             # NT object name, e.g. \REGISTRY\MACHINE\SOFTWARE\...
---@field access integer          # granted access mask

---@class mend.HandleFilter
---@field pid? integer
---@field process? string         # equal, ignoring case
---@field type? string            # equal, ignoring case
---@field name? string            # substring, ignoring case

---A process the scan could not look inside (OpenProcess(PROCESS_DUP_HANDLE) refused, e.g. a
---protected process): a holder may hide there.
---@class mend.Unseen
---@field pid integer
---@field process string          # image name
---@field error string            # Windows' text and number, e.g. "Access is denied. (0x5)"

---Open handles.
handles = {}

---Every open handle matching all given filters, then the processes the scan could not look
---inside (the pid and process filters apply to them too).
---@param filter? mend.HandleFilter
---@return mend.Handle[]|nil handles
---@return mend.Unseen[]|string unseen_or_message
---@return mend.code? code
function handles.scan(filter) end

---Handles on an object or anything below it: a registry path (HKLM\..., HKU\..., long roots)
---or an NT name (\REGISTRY\...); then the processes the scan could not look inside.
---@param object string
---@return mend.Handle[]|nil handles
---@return mend.Unseen[]|string unseen_or_message
---@return mend.code? code
function handles.holders(object) end

---One handle scan kept for many holders questions (index:holders(object) answers as
---handles.holders would have at the time of the scan, without scanning again).
---@class mend.HandleIndex
local HandleIndex = {}

---@param object string
---@return mend.Handle[]|nil handles
---@return mend.Unseen[]|string unseen_or_message
---@return mend.code? code
function HandleIndex:holders(object) end

---@param filter? mend.HandleFilter
---@return mend.HandleIndex|nil index
---@return string? message
---@return mend.code? code
function handles.index(filter) end

-- ---------------------------------------------------------------- proc

---@class mend.Process
---@field pid integer
---@field ppid integer
---@field name string             # image name, e.g. "vpnagent.exe"
---@field path string             # may be empty
---@field critical boolean        # one of Windows' critical processes: never stopped

---Processes.
proc = {}

---@return mend.Process[]|nil processes
---@return string? message
---@return mend.code? code
function proc.list() end

---Processes with this image name (ignoring case; ".exe" optional). Empty list when none.
---@param name string
---@return mend.Process[]|nil processes
---@return string? message
---@return mend.code? code
function proc.find(name) end

---Stops a process. Gate `kill`; counted as `kills`. Windows' critical processes (every one
---proc.list marks `critical`) are always refused with `not_permitted`.
---@param pid integer
---@return true|nil ok
---@return string? message
---@return mend.code? code
function proc.kill(pid) end

-- ---------------------------------------------------------------- reg

---@class mend.RegValue
---@field name string             # "" is the default value
---@field type mend.reg_type|string
---@field data mend.reg_data

---@class mend.RegDeleteOpts
---@field tree? boolean           # also delete subkeys

---The registry (paths like HKLM\SOFTWARE\...).
reg = {}

---A value's data and type name.
---@param path string
---@param value? string           # nil or "" for the default value
---@return mend.reg_data|nil data
---@return mend.reg_type|string|nil type_or_message
---@return mend.code? code
function reg.get(path, value) end

---Writes a value (creating the key). Type inferred when omitted: string -> REG_SZ,
---integer -> REG_DWORD or REG_QWORD, table -> REG_MULTI_SZ. Counted as `registry_writes`.
---@param path string
---@param value string
---@param data mend.reg_data
---@param type? mend.reg_type
---@return true|nil ok
---@return string? message
---@return mend.code? code
function reg.set(path, value, data, type) end

---Names of the direct subkeys.
---@param path string
---@return string[]|nil keys
---@return string? message
---@return mend.code? code
function reg.keys(path) end

---Every value of the key.
---@param path string
---@return mend.RegValue[]|nil values
---@return string? message
---@return mend.code? code
function reg.values(path) end

---Whether the key exists.
---@param path string
---@return boolean|nil found
---@return string? message
---@return mend.code? code
function reg.exists(path) end

---Deletes a key after writing a .reg backup (refused with `io` when the backup fails).
---Gate `registry`; counted as `registry_deletes`. Returns the backup file.
---@param path string
---@param opts? mend.RegDeleteOpts
---@return true|nil ok
---@return string? backup_or_message
---@return mend.code? code
function reg.delete(path, opts) end

---Writes the key and its subtree as a regedit .reg file (UTF-16LE with BOM).
---@param path string
---@param file string
---@return true|nil ok
---@return string? message
---@return mend.code? code
function reg.export(path, file) end

---Reads a .reg file without applying it: its keys in file order, each with its values.
---@param file string
---@return {path: string, values: {name: string, type: string, data: any}[]}[]|nil keys
---@return string? message
---@return mend.code? code
function reg.parse(file) end

---Applies a .reg file. A file with deletions needs the `registry` gate.
---@param file string
---@return true|nil ok
---@return string? message
---@return mend.code? code
function reg.import(file) end

-- ---------------------------------------------------------------- sys

---@class mend.GpupdateOpts
---@field force? boolean
---@field wait? integer   # gpupdate /wait:N, 0 .. 86400 (default 600), capped under --timeout

---@class mend.RebootOpts
---@field reason? string

---The system.
sys = {}

---Refreshes computer policy: `gpupdate /target:computer [/force] /wait:N`. Counted as `gpupdates`.
---@param opts? mend.GpupdateOpts
---@return true|nil ok
---@return string? arguments_or_message   # e.g. "/target:computer /force /wait:600"
---@return mend.code? code
function sys.gpupdate(opts) end

---Restarts the machine. Gate `reboot` (only `--allow reboot` opens it). Counted as `reboots`.
---@param opts? mend.RebootOpts
---@return true|nil ok
---@return string? message
---@return mend.code? code
function sys.reboot(opts) end

---Waits; the simulator advances its clock instead. A plan records the wait and apply replays it.
---@param seconds number          # 0 .. 86400
---@return true|nil ok
---@return string? message
---@return mend.code? code
function sys.sleep(seconds) end

---@return boolean|nil admin
---@return string? message
---@return mend.code? code
function sys.is_admin() end

---@return string|nil os_name
---@return string? message
---@return mend.code? code
function sys.os() end

---Registers `"<mend>" fix --resume <args...>` to run at the next boot without a logon
---(Windows: the scheduled task \mend\resume, as SYSTEM); registering again replaces it.
---@param args string[]
---@return true|nil ok
---@return string? command_line_or_message
---@return mend.code? code
function sys.resume_after_reboot(args) end

---Removes the resume task (the resumed run does it first, so it runs once).
---@return true|nil ok
---@return boolean|string|nil found_or_message
---@return mend.code? code
function sys.clear_resume() end

---Records, for the `--resume` run after the reboot, which policies this run leaves stuck and in
---which boot (kept by mend in its state folder). An empty list forgets the record.
---@param names string[]
---@param all? boolean every policy pending deletion
---@return true|nil ok
---@return string? message
---@return mend.code? code
function sys.expect_reboot(names, all) end

---The record `sys.expect_reboot` wrote, or nil: `rebooted` says whether the machine has booted
---since it was written.
---@return {names: string[], all: boolean, rebooted: boolean}|nil
function sys.resume_record() end

-- ---------------------------------------------------------------- nic

---@class mend.Nic
---@field name string
---@field description string
---@field ipsec_offload boolean

---Network adapters.
nic = {}

---@return mend.Nic[]|nil nics
---@return string? message
---@return mend.code? code
function nic.list() end

---Turns IPsec task offload on or off, then restarts the adapter so it takes effect (its link
---drops for a few seconds). Gate `nic`; counted as `offload_changes` and `adapter_restarts`.
---Off keeps the previous keyword values under HKLM\SOFTWARE\mend\NicOffload; on restores them
---(else the driver's Ndi\Params default). A failed restart returns nil, message, code with the
---change written: it takes effect at the adapter's next restart.
---@param name string
---@param on boolean
---@return true|nil ok
---@return string? message
---@return mend.code? code
function nic.set_ipsec_offload(name, on) end

-- ---------------------------------------------------------------- spd

---@class mend.SpdQmPolicy
---@field name string
---@field guid string
---@field flags integer IPSEC_QM_POLICY.dwFlags
---@field pending_deletion boolean|nil nil where the host does not say
---@field refs integer filters and SAs that reference it

---@class mend.SpdFilter
---@field name string
---@field guid string
---@field type "transport"|"tunnel"
---@field qm_policy string

---@class mend.SpdSa
---@field id integer
---@field qm_policy string

---The IPsec Security Policy Database the Policy Agent plumbs (where 0x32DF lives). On Windows
---through winipsec.dll (System32 only; without it every call returns nil, message,
---"unsupported"); there `pending_deletion` is nil unless delete_qm_policy answered 13023 in this run.
spd = {}

---@return mend.SpdQmPolicy[]|nil qm_policies
---@return string? message
---@return mend.code? code
function spd.qm_policies() end

---@return mend.SpdFilter[]|nil filters
---@return string? message
---@return mend.code? code
function spd.filters() end

---@return mend.SpdSa[]|nil sas
---@return string? message
---@return mend.code? code
function spd.sas() end

---Deletes the quick-mode SAs of a QM policy (their traffic stops until IKE renegotiates).
---Gate `service`; counted as `spd_sa_deletes`.
---@param qm_policy_name string
---@return true|nil ok
---@return string? message
---@return mend.code? code
function spd.delete_sas(qm_policy_name) end

---Deletes a QM policy; one still referenced stays pending deletion and the call returns
---nil, message, "pending_deletion" (13023). Gate `service`; counted as `spd_qm_deletes`.
---@param name string
---@return true|nil ok
---@return string? message
---@return mend.code? code
function spd.delete_qm_policy(name) end

---Deletes one transport or tunnel filter, by GUID or else by name (a name two filters share is
---"invalid"); a QM policy pending deletion goes with its last reference. Gate `service`;
---counted as `spd_filter_deletes`.
---@param name_or_guid string
---@return true|nil ok
---@return string? message
---@return mend.code? code
function spd.delete_filter(name_or_guid) end

-- ---------------------------------------------------------------- events

---@class mend.Event
---@field time number seconds since the Unix epoch, on the host's clock
---@field id integer the event id (Windows: the Security log's PAStore events 5461, 5462, 5474, 5477)
---@field source string the provider that wrote it
---@field code integer the Windows error it carries: 13023
---@field policy string the policy (or quick-mode policy) it names
---@field message string

---The host's event log: recent IPsec failures that carry 13023 (0x32DF) and name a policy.
---Under Wine (a stub wevtapi.dll) every call returns nil, message, "unsupported".
events = {}

---The events of the last `seconds` (default a week), newest first. Read-only.
---@param seconds? number
---@return mend.Event[]|nil events
---@return string? message
---@return mend.code? code
function events.recent(seconds) end
-- ---------------------------------------------------------------- evidence

---What `mend capture --evidence` needs (docs/evidence.md); read-only on the machine.
evidence = {}

---Creates the folder; one that holds anything is refused (`exists`) unless force.
---@param dir string
---@param force? boolean
---@return true|nil ok
---@return string? message
---@return mend.code? code
function evidence.prepare(dir, force) end

---SHA-256 of data, lower-case hex.
---@param data string
---@return string
function evidence.sha256(data) end

---Exports the keys as a .reg file with every rule's ipsecData blanked past its class GUID.
---@param file string
---@param paths string[]
---@return string[]|nil redacted the blanked values, "KEY\\ipsecData"
---@return string? message
---@return mend.code? code
function evidence.export_store(file, paths) end

---netsh ipsec static|dynamic show all, as printed.
---@param which "static"|"dynamic"
---@return string|nil text
---@return string? message
---@return mend.code? code
function evidence.ipsec_show(which) end

-- ---------------------------------------------------------------- log

---Messages on stderr (string.format semantics).
log = {}

---@param fmt any
---@param ... any
function log.debug(fmt, ...) end

---@param fmt any
---@param ... any
function log.info(fmt, ...) end

---@param fmt any
---@param ... any
function log.warn(fmt, ...) end

---@param fmt any
---@param ... any
function log.error(fmt, ...) end

-- ---------------------------------------------------------------- mend

---@class mend.Flags
---@field all_pending boolean
---@field resume boolean
---@field batch boolean

---@class mend.Step
---@field policy? string
---@field rung? string
---@field action? string
---@field target? string        # shown after the action in the live line
---@field ok? boolean
---@field message? string
---@field code? mend.code|string
---@field [string] any

---@class mend.Outcome
---@field before? string
---@field after? string
---@field outcome? mend.outcome_name
---@field rung? string

---The run: arguments, flags, gates and the report.
---@class mend.Module
---@field args string[]           # script arguments / policy names
---@field flags mend.Flags
---@field stop_holders string[]   # --stop-holder values: holders the ladder may stop beyond known VPN clients
---@field dry_run boolean
---@field host "sim"|"local"
---@field version string
---@field deleted_before table<string, true> # policies an interrupted earlier run deleted (journal), by name
mend = {}

---Whether `--allow` opened the capability.
---@param cap mend.capability
---@return boolean
function mend.allowed(cap) end

---Asks yes/no: `--yes` says yes; a terminal asks; otherwise no.
---@param prompt string
---@return boolean
function mend.confirm(prompt) end

---Records a ladder step in the report and prints it. Its other fields are kept in the report,
---keys that are not text (list items, numbers, booleans) under their text after the named ones.
---@param step mend.Step
function mend.step(step) end

---Sets the policy's report entry.
---@param policy string
---@param fields mend.Outcome
function mend.outcome(policy, fields) end

---The script's verdict on the whole run, replacing the one derived from the policies.
---@param outcome "fixed"|"healthy"|"partial"|"not_found"|"reboot_required"|"failed"
function mend.run_outcome(outcome) end

---The script's own data in the report's `data` object under key (a later call replaces it).
---Tables become JSON as mend.step's fields do: keys sorted, an empty table `[]`, nil `null`.
---@param key string
---@param value any
function mend.report_data(key, value) end

---Adds an advice line to the report.
---@param text string
function mend.advise(text) end

---@class mend.Purpose
---@field policies? string[] the policies the next gated actions are for (a prompt names 3 and counts the rest)
---@field restart? string a service the script restarts after them: a prompt says so and names its running dependents

---What the next gated actions are for, until the next call (nil clears it). An interactive
---prompt adds it to the question mend builds in C ("... This is for 3 policies: 'A', 'B', 'C'."),
---after the action's own side effects, which a script can neither change nor remove. The fix
---ladder sets it for every rung. Control characters are shown as `?`.
---@param what nil|string|mend.Purpose a string is said as is: "This is for <what>."
function mend.purpose(what) end

---The run's progress line on a terminal: done of total settled (keep done a running count).
---@param done integer
---@param total integer
function mend.progress(done, total) end

---The plan mend apply carries out (docs/lua-api.md, "plan"); outside mend apply every function
---answers nil, message, "invalid".
plan = {}

---@class mend.PlanStep
---@field op string
---@field call string
---@field target string
---@field args any[]
---@field nargs integer
---@field gate string?
---@field policy string?
---@field rung string?
---@field why string?
---@field assumes string
---@field expect string?

---@return mend.PlanStep[]|nil steps
---@return string? message
---@return mend.code? code
function plan.actions() end

---@param name string
---@return any value
---@return string? message
---@return mend.code? code
function plan.field(name) end

---@return true|nil ok
---@return string? message
---@return integer|mend.code? step
function plan.preflight() end

---@param i integer
---@return true|nil ok
---@return string? message
function plan.verify(i) end

---@param i integer
function plan.ran(i) end

---@param i integer
function plan.done(i) end

---@param why string
function plan.stop(why) end
