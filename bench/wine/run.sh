#!/bin/sh
# Wine benchmarks of mend.exe against its peers, in one throwaway prefix:
#   exporting a 10,000-key registry subtree   mend.exe (reg.export)   vs  wine reg export
#   (the subtree comes from make_tree.sh through wine reg import)
#   querying a service                         mend.exe (svc.query)    vs  wine sc query
#   a handle scan of the whole system          mend.exe (handles.scan)
# usage: bench/wine/run.sh [BUILD_DIR]   (a cross build: BUILD_DIR/mend.exe and tests/wine helpers)
# hyperfine -N splits commands like a shell, so Windows paths are single-quoted.
# Needs hyperfine (apt install hyperfine) and python3; prints Markdown tables of the median, min and
# max of each command (the machine may be shared: the median is the steadier figure). RUNS
# (default 9) sets the runs of the export and the scan, twice that for the quick commands.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../../build-win}" && pwd)
mend_exe=$build/mend.exe
helpers=$build/tests/wine
[ -f "$mend_exe" ] && [ -f "$helpers/svc_install.exe" ] || {
  echo "run.sh: build mend.exe and the Wine test helpers first (cmake --build $build)" >&2; exit 2; }
command -v hyperfine >/dev/null || { echo "run.sh: hyperfine is not installed (apt install hyperfine)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "run.sh: python3 is needed to read hyperfine's results" >&2; exit 2; }
RUNS=${RUNS:-9}
QUICK_RUNS=$((RUNS * 2))

table() {  # hyperfine JSON -> a Markdown table of median, min, max (ms) per command
  python3 - "$1" <<'PY'
import json, sys
print("| Command | Median [ms] | Min [ms] | Max [ms] | Runs |")
print("|:---|---:|---:|---:|---:|")
for r in json.load(open(sys.argv[1]))["results"]:
    print(f'| `{r["command"]}` | {r["median"] * 1000:.0f} | {r["min"] * 1000:.0f} | {r["max"] * 1000:.0f} | {len(r["times"])} |')
PY
}

. "$here/prefix.sh"
echo "building the 10,000-key subtree ..." >&2
sh "$here/make_tree.sh" 10000 > "$WINEPREFIX/drive_c/tree.reg"
wine reg import 'C:\tree.reg' >/dev/null 2>&1

out_mend='bench-mend.reg'
out_wine='bench-wine.reg'
mend_run="wine $mend_exe run"
md=$(mktemp)

# Both exports write into the prefix's C: drive as their working folder (a script may write only
# under its working folder and the temp folder).
cd "$WINEPREFIX/drive_c"
# Once outside hyperfine, so a failure shows its message.
wine "$mend_exe" run "$(win "$here/export.lua")" "$out_mend" >&2 || { echo "run.sh: mend export failed" >&2; exit 1; }
echo "## Export of a 10,000-key subtree (30,000 values)"
# MEND_BEFORE=other/mend.exe adds that build's export as a third row (a before/after check).
set -- -n "mend.exe reg.export" "$mend_run '$(win "$here/export.lua")' '$out_mend'" \
  -n "wine reg export" "wine reg export 'HKLM\\SOFTWARE\\MendBench' '$out_wine' /y"
if [ -n "${MEND_BEFORE:-}" ]; then
  cp "$MEND_BEFORE" "$WINEPREFIX/before.exe"
  set -- "$@" -n "MEND_BEFORE reg.export" "wine $WINEPREFIX/before.exe run '$(win "$here/export.lua")' 'bench-before.reg'"
fi
hyperfine -N -w 1 -r "$RUNS" --export-json "$md" "$@" >&2
table "$md"
ls -l "$WINEPREFIX/drive_c/bench-mend.reg" "$WINEPREFIX/drive_c/bench-wine.reg" | awk '{ print "    " $5 " bytes  " $NF }'
if cmp -s "$WINEPREFIX/drive_c/bench-mend.reg" "$WINEPREFIX/drive_c/bench-wine.reg"; then
  echo "    the two files are byte-for-byte identical"
else
  echo "    the two files differ"
fi

echo
echo "## Querying one service (PolicyAgent)"
hyperfine -N -w 2 -r "$QUICK_RUNS" --export-json "$md" \
  -n "mend.exe svc.query" "$mend_run '$(win "$here/svc_query.lua")' PolicyAgent" \
  -n "wine sc query" "wine sc query PolicyAgent" >&2
table "$md"

echo
echo "## Handle scan of the whole system (names included)"
hyperfine -N -w 1 -r "$RUNS" --export-json "$md" \
  -n "mend.exe handles.scan{}" "$mend_run '$(win "$here/scan.lua")'" >&2
table "$md"
$mend_run "$(win "$here/scan.lua")" | sed 's/^/    /'
echo
echo "## Baseline: wine starting mend.exe --version"
hyperfine -N -w 2 -r "$QUICK_RUNS" --export-json "$md" -n "wine mend.exe --version" "wine $mend_exe --version" >&2
table "$md"
rm -f "$md"
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
