#!/bin/sh
# Runs one Wine test in a throwaway WINEPREFIX, copied from a template that wineboot makes once.
# usage: run_in_prefix.sh TEMPLATE PREFIX COMMAND [ARGS...]
set -u
template=$1
prefix=$2
shift 2
export WINEDEBUG=-all
# No Mono or Gecko download prompts while the template boots.
export WINEDLLOVERRIDES="mscoree,mshtml="

mkdir -p "$(dirname "$template")"
(
  flock 9
  if [ ! -f "$template/.mend-ready" ]; then
    rm -rf "$template"
    WINEPREFIX="$template" wineboot -i >/dev/null 2>&1
    WINEPREFIX="$template" wineserver -w
    touch "$template/.mend-ready"
  fi
) 9>"$template.lock"

rm -rf "$prefix"
cp -a "$template" "$prefix" || exit 1
export WINEPREFIX="$prefix"
"$@"
rc=$?
# Services and helpers still running end with the prefix's wineserver.
wineserver -k 2>/dev/null
wineserver -w 2>/dev/null
if [ "$rc" -eq 0 ]; then
  rm -rf "$prefix"
else
  echo "run_in_prefix: exit $rc; prefix kept for inspection: $prefix" >&2
fi
exit "$rc"
