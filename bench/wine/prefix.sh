# Sourced by the Wine benchmarks: a throwaway prefix, booted, with a keeper process (so the
# wineserver and services stay up between runs, as on a live machine) and the stand-in
# PolicyAgent service running. Needs $helpers (the tests/wine build folder). Sets win().
export WINEPREFIX
WINEPREFIX=$(mktemp -d "${TMPDIR:-/tmp}/mend-bench-wine.XXXXXX")
export WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
cleanup() { wineserver -k 2>/dev/null || true; rm -rf "$WINEPREFIX"; }
trap cleanup EXIT
win() { winepath -w "$1"; }
export MEND_STATE_DIR="Z:$(echo "$WINEPREFIX/state" | tr / '\\\\')"

echo "preparing a Wine prefix in $WINEPREFIX ..." >&2
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(wine --version)"
wineboot -i >/dev/null 2>&1
wineserver -w
wine "$helpers/pipe_blocker.exe" "$(win "$WINEPREFIX/keeper")" >/dev/null 2>&1 &
while [ ! -f "$WINEPREFIX/keeper" ]; do sleep 0.1; done
wine "$helpers/svc_install.exe" PolicyAgent normal 'C:\svc.log' start >/dev/null
