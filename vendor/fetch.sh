#!/usr/bin/env bash
# vendor/fetch.sh: downloads Debian's source packages named in sources.txt with a private apt config,
# verifies them against SHA256SUMS and unpacks them (Debian's patches applied) for vendor/CMakeLists.txt.
#
#   fetch.sh CACHE_DIR WORK_DIR OUT_DIR   download into CACHE_DIR (kept across builds), apt state in
#                                         WORK_DIR, unpacked trees in OUT_DIR/<package>
#   fetch.sh --latest WORK_DIR            print the versions and SHA-256 sums Debian serves now
#
# No root and no change to the system's apt setup: apt runs with APT_CONFIG pointing at a config whose
# sources, lists, caches and status live under WORK_DIR. When every file is already in CACHE_DIR with
# the right checksum, apt is not run at all (offline rebuilds work).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
sums_file="$here/SHA256SUMS"

die() { printf 'vendor: %s\n' "$*" >&2; exit 1; }
say() { printf 'vendor: %s\n' "$*"; }

# "package version" pairs from sources.txt, comments and blank lines skipped.
read_sources() {
  sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$here/sources.txt"
}

# The file names SHA256SUMS lists for one package (they all start with "<package>_").
files_of() {
  awk -v p="$1_" 'index($2, p) == 1 { print $2 }' "$sums_file"
}

expected_sum() {
  awk -v f="$1" '$2 == f { print $1 }' "$sums_file"
}

actual_sum() {
  sha256sum "$1" | awk '{ print $1 }'
}

apt_ready=0
setup_apt() {
  local work=$1 apt_dir
  [ "$apt_ready" = 1 ] && return 0
  command -v apt-get >/dev/null || die "apt-get not found: vendoring needs a Debian (or derived) build host"
  apt_dir="$work/apt"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" \
           "$apt_dir/sources.list.d" "$apt_dir/preferences.d"
  : > "$apt_dir/status"
  cat > "$apt_dir/apt.conf" <<EOF
Dir::Etc::sourcelist "$here/sources.list";
Dir::Etc::sourceparts "$apt_dir/sources.list.d";
Dir::Etc::preferencesparts "$apt_dir/preferences.d";
Dir::State "$apt_dir";
Dir::State::lists "$apt_dir/lists";
Dir::State::status "$apt_dir/status";
Dir::Cache "$apt_dir/cache";
Debug::NoLocking "true";
APT::Sandbox::User "root";
Acquire::Languages "none";
EOF
  export APT_CONFIG="$apt_dir/apt.conf"
  say "apt-get update (private config $APT_CONFIG)"
  apt-get -q update </dev/null || die "apt-get update failed with vendor/sources.list (no network to Debian's archive?)"
  apt_ready=1
}

# 0 when every file of the package is in the cache with its committed checksum.
cached_ok() {
  local pkg=$1 cache=$2 f
  for f in $(files_of "$pkg"); do
    [ -f "$cache/$f" ] || return 1
    if [ "$(actual_sum "$cache/$f")" != "$(expected_sum "$f")" ]; then
      say "WARNING: cached $f does not match SHA256SUMS; moving it aside as $f.bad and downloading again"
      mv -f "$cache/$f" "$cache/$f.bad"
      return 1
    fi
  done
  return 0
}

download() {
  local pkg=$1 ver=$2 cache=$3 work=$4
  setup_apt "$work"
  say "apt-get source --download-only $pkg=$ver"
  if ! (cd "$cache" && apt-get -q source --download-only "$pkg=$ver" </dev/null); then
    die "Debian does not serve $pkg $ver any more (or the download failed). Run
  bash vendor/fetch.sh --latest /tmp/mend-vendor
to see what it serves now, then update vendor/sources.txt and vendor/SHA256SUMS together."
  fi
}

verify() {
  local pkg=$1 cache=$2 f want got
  for f in $(files_of "$pkg"); do
    [ -f "$cache/$f" ] || die "$f was not downloaded (is vendor/SHA256SUMS in step with vendor/sources.txt?)"
    want=$(expected_sum "$f")
    got=$(actual_sum "$cache/$f")
    if [ "$want" != "$got" ]; then
      mv -f "$cache/$f" "$cache/$f.bad"
      die "CHECKSUM MISMATCH for $f
  expected (vendor/SHA256SUMS): $want
  downloaded:                   $got
Refusing to build from it (kept as $cache/$f.bad)."
    fi
  done
  say "$pkg: $(files_of "$pkg" | wc -l) files match vendor/SHA256SUMS"
}

unpack() {
  local pkg=$1 ver=$2 cache=$3 out=$4 dsc stamp want
  dsc=$(files_of "$pkg" | grep '\.dsc$') || die "SHA256SUMS lists no .dsc for $pkg"
  want=$(expected_sum "$dsc")
  stamp="$out/$pkg/.mend-unpacked"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return 0
  fi
  command -v dpkg-source >/dev/null || die "dpkg-source not found: apt-get install dpkg-dev xz-utils"
  rm -rf "$out/$pkg" "$out/$pkg.tmp"
  # --no-check: every file's SHA-256 was just verified against our own committed list.
  dpkg-source --no-check --no-copy -x "$cache/$dsc" "$out/$pkg.tmp" </dev/null >/dev/null ||
    die "dpkg-source -x $dsc failed"
  printf '%s\n' "$want" > "$out/$pkg.tmp/.mend-unpacked"
  mv "$out/$pkg.tmp" "$out/$pkg"
  say "$pkg $ver unpacked with Debian's patches into $out/$pkg"
}

latest() {
  local work=$1 pkg ver
  mkdir -p "$work"
  setup_apt "$work"
  read_sources | while read -r pkg ver; do
    printf '# %s: pinned %s\n' "$pkg" "$ver"
    apt-cache showsrc "$pkg" | awk '
      /^Version:/ { print "#   Debian serves " $2 }
      /^Checksums-Sha256:/ { s = 1; next }
      /^[^ ]/ { s = 0 }
      s { print $1 "  " $3 }'
  done
}

main() {
  if [ "${1:-}" = "--latest" ]; then
    [ $# -eq 2 ] || die "usage: fetch.sh --latest WORK_DIR"
    latest "$2"
    return
  fi
  [ $# -eq 3 ] || die "usage: fetch.sh CACHE_DIR WORK_DIR OUT_DIR"
  local cache=$1 work=$2 out=$3 pkg ver
  mkdir -p "$cache" "$work" "$out"
  cache=$(cd "$cache" && pwd)
  while read -r pkg ver; do
    [ -n "$(files_of "$pkg")" ] || die "vendor/SHA256SUMS has no entry for $pkg"
    if cached_ok "$pkg" "$cache"; then
      say "$pkg $ver: using the cached download in $cache"
    else
      download "$pkg" "$ver" "$cache" "$work"
    fi
    verify "$pkg" "$cache"
    unpack "$pkg" "$ver" "$cache" "$out"
  done < <(read_sources)
}

main "$@"
