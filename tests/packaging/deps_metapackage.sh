#!/usr/bin/env bash
# packaging/lib-install.sh without installing anything: the metapackage it
# would install is a valid .deb depending on each package asked for once,
# and install_missing does nothing (no root needed) when all are installed.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
fail() { echo "FAIL: $*" >&2; exit 1; }

# shellcheck disable=SC2034 # read by packaging/lib-install.sh
say_name=deps_metapackage
# shellcheck source=packaging/lib-install.sh
source "$top/packaging/lib-install.sh"
# A name no machine has installed: the union with an installed one is not
# what is checked here.
deps_package=whyno-port-build-deps-selftest

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

deb=$(_make_deps_package "$work" cmake ninja-build cmake jq) || fail "_make_deps_package failed"
[[ -f $deb ]] || fail "_make_deps_package printed '$deb', not a file"
[[ $(dpkg-deb -f "$deb" Package) == "$deps_package" ]] || fail "wrong Package: $(dpkg-deb -f "$deb" Package)"
[[ $(dpkg-deb -f "$deb" Architecture) == all ]] || fail "Architecture is not all"
[[ $(dpkg-deb -f "$deb" Depends) == "cmake, jq, ninja-build" ]] ||
  fail "Depends is '$(dpkg-deb -f "$deb" Depends)', expected 'cmake, jq, ninja-build'"
dpkg --compare-versions "$(dpkg-deb -f "$deb" Version)" gt 0 || fail "bad Version"
! dpkg-deb -c "$deb" | grep -qv ' \./$' || fail "the metapackage holds files: $(dpkg-deb -c "$deb")"

# With the real metapackage installed, a new one keeps all it depends on.
if _installed whyno-port-build-deps; then
  deps_package=whyno-port-build-deps
  mkdir "$work/union"
  deb=$(_make_deps_package "$work/union" whyno-port-selftest-dep) || fail "_make_deps_package failed"
  want=$( (echo whyno-port-selftest-dep
           dpkg-query -W -f='${Depends}' whyno-port-build-deps | tr -d ' ' | tr ',' '\n') |
         sort -u | paste -sd ',' | sed 's/,/, /g')
  [[ $(dpkg-deb -f "$deb" Depends) == "$want" ]] ||
    fail "a new whyno-port-build-deps drops what the installed one depends on: $(dpkg-deb -f "$deb" Depends)"
fi

# Installed already (dpkg and bash are essential): nothing to do, no root.
out=$(install_missing dpkg bash 2>&1) || fail "install_missing of installed packages failed: $out"
[[ -z $out ]] || fail "install_missing of installed packages said: $out"
echo "ok: the build-deps metapackage is well formed; nothing is installed when nothing is missing"
