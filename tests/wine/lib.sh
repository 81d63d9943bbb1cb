# Shared by the Wine shell tests (sourced first, after set -u and the arguments): the checks, the
# work folder, the stand-in tools, the service keeper and the end of a test. Sets fail=0.
fail=0
check() {  # check COMMAND...: $desc holds the description
  if "$@"; then echo "ok   $desc"; else echo "FAIL $desc"; fail=1; fi
}
has() {    # has FILE TEXT: the JSON report holds TEXT once whitespace is gone
  tr -d ' \t\r\n' < "$1" | grep -qF -e "$2"
}
json() {   # json NAME FILTER: $work/NAME.json passes the jq filter
  jq -e "$2" "$work/$1.json" >/dev/null 2>&1
}
win() {   # win PATH: its Windows form; asked again when a busy prefix's first start garbles it
  for _ in 1 2 3; do
    _winpath=$(winepath -w "$1" 2>/dev/null)
    case $_winpath in [A-Za-z]:\\*) break ;; esac
  done
  printf '%s\n' "$_winpath"
}
mend() { wine "$mend_exe" "$@"; }   # the caller sets mend_exe
wait_file() {  # wait_file PATH: up to 10 s for a helper to say it is ready
  for _ in $(seq 100); do [ -f "$1" ] && return 0; sleep 0.1; done
  return 1
}

# wine_work NAME: a fresh $work folder, made the working folder (scripts may write only under
# it and the temp folder), with mend's state folder in it.
wine_work() {
  work=$(mktemp -d "${TMPDIR:-/tmp}/mend-$1.XXXXXX") || exit 1
  cd "$work" || exit 1
  export MEND_STATE_DIR="$(win "$work/state")"
}
# wine_tools HELPER_DIR [log]: the stand-in netsh and gpupdate; with `log` each start is logged
# to $work/netsh.log and $work/gpupdate.log.
wine_tools() {
  export MEND_NETSH="$(win "$1/netsh.exe")"
  export MEND_GPUPDATE="$(win "$1/fake_tool.exe")"
  if [ "${2:-}" = log ]; then
    export MEND_TEST_NETSH_LOG="$(win "$work/netsh.log")"
    export MEND_TEST_TOOL_LOG="$(win "$work/gpupdate.log")"
  fi
}
# wine_keeper HELPER_DIR: Wine ends its services when no user process is left, so one stays for
# the whole test (the shell's job %1).
wine_keeper() {
  wine "$1/pipe_blocker.exe" "$(win "$work/keeper-ready")" &
  wait_file "$work/keeper-ready"
}
# wine_policy_agent HELPER_DIR: the keeper and a stand-in PolicyAgent service, running.
wine_policy_agent() {
  wine_keeper "$1"
  wine "$1/svc_install.exe" PolicyAgent normal 'C:\svc.log' start || { echo "cannot install PolicyAgent"; exit 1; }
}
# wine_finish FILE...: after a failure shows the files and keeps $work (exit 1); else removes it.
wine_finish() {
  if [ "$fail" -ne 0 ]; then
    for f in "$@"; do [ -e "$f" ] && { echo "== $f"; cat "$f"; }; done
    echo "$(basename "$0" .sh): failed; work folder kept: $work"
    exit 1
  fi
  cd / && rm -rf "$work"
  exit 0
}
