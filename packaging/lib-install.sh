# shellcheck shell=bash
# packaging/lib-install.sh: sourced by ./quickstart and packaging/build-deb.
#
#   say_name=NAME; source packaging/lib-install.sh
#   say MESSAGE...            prints "NAME: MESSAGE" on stderr
#   install_missing PKG...    when dpkg-query reports one of the packages as
#                             not installed, installs them all as the
#                             dependencies of whyno-port-build-deps, a
#                             metapackage made here (see below); apt-get
#                             update runs only if the install fails without
#                             it. Nothing missing: nothing is done. Not root
#                             and something missing: says so and exits 1.
#   build_depends CONTROL     the package names a debian/control's source
#                             stanza build-depends on, one a line
#
# Why a metapackage: apt-get marks the packages it installs by name manual,
# so apt-get autoremove would never take the compiler, debhelper or lintian
# off the machine again. As the dependencies of whyno-port-build-deps they
# are marked automatic, and
#   apt-get purge whyno-port-build-deps && apt-get autoremove
# removes every one that nothing else needs (packages installed before, by
# hand, stay manual and stay). One metapackage for building and testing
# alike: each install adds what it is asked for to what the installed one
# depends on already, so `./quickstart test e2e` after `./quickstart run`
# keeps the compiler, and one purge undoes them all.

say_name=${say_name:-$(basename "$0")}
deps_package=whyno-port-build-deps

say() {
  echo "$say_name: $*" >&2
}

install_missing() {
  local package missing=()
  if ! command -v dpkg-query >/dev/null 2>&1; then
    say "no dpkg-query: not Debian? Install these yourself: $*"
    return 0
  fi
  for package in "$@"; do
    if ! _installed "$package"; then
      missing+=("$package")
    fi
  done
  if [[ ${#missing[@]} -eq 0 ]]; then
    return 0
  fi
  if [[ $(id -u) -ne 0 ]]; then
    say "missing packages: ${missing[*]}; run as root or install them first"
    exit 1
  fi
  say "installing ${missing[*]} as dependencies of $deps_package"
  local work deb status=0
  work=$(mktemp -d)
  # apt-get reads the .deb as its _apt user: mktemp -d makes the dir 0700.
  chmod 755 "$work"
  deb=$(_make_deps_package "$work" "$@") || status=$?
  if [[ $status -eq 0 ]]; then
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y --no-install-recommends "$deb" >&2; then
      say "install failed; updating the package lists and retrying"
      apt-get update >&2 || true
      apt-get install -y --no-install-recommends "$deb" >&2 || status=$?
    fi
  fi
  rm -rf "$work"
  if [[ $status -ne 0 ]]; then
    say "could not install ${missing[*]}"
    exit 1
  fi
  say "to remove them all: apt-get purge $deps_package && apt-get autoremove"
}

_installed() {
  [[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null) == installed ]]
}

# _make_deps_package DIR PKG...: builds in DIR the metapackage depending on
# PKG... and on all the installed one depends on; prints the .deb's path.
# Its version is the time, so that each one is newer than the last.
_make_deps_package() {
  local dir=$1 version depends
  shift
  version=0.$(date -u +%Y%m%d%H%M%S)
  depends=$(
    {
      printf '%s\n' "$@"
      if _installed "$deps_package"; then
        dpkg-query -W -f='${Depends}' "$deps_package" | tr ',' '\n'
      fi
    } | tr -d ' \t' | grep -v '^$' | sort -u | paste -sd ',' | sed 's/,/, /g'
  )
  mkdir -p "$dir/root/DEBIAN"
  cat >"$dir/root/DEBIAN/control" <<CONTROL
Package: $deps_package
Version: $version
Architecture: all
Section: metapackages
Priority: optional
Maintainer: whyno-port developers <dev@whyno-port.invalid>
Depends: $depends
Description: build and test dependencies of whyno-port (made locally)
 Made by whyno-port's ./quickstart and packaging/build-deb, which install
 what they need as its dependencies. To remove them all:
 apt-get purge $deps_package && apt-get autoremove
CONTROL
  dpkg-deb --root-owner-group --build "$dir/root" "$dir/${deps_package}_${version}_all.deb" >/dev/null ||
    { say "dpkg-deb could not build $deps_package"; return 1; }
  echo "$dir/${deps_package}_${version}_all.deb"
}

# build_depends CONTROL: Build-Depends, Build-Depends-Arch and
# Build-Depends-Indep of the first (source) stanza, as package names: version
# constraints, architecture and profile restrictions and :any/:native dropped,
# the first of alternatives kept, and debhelper-compat (= N), a virtual
# package, resolved to debhelper, which provides it.
build_depends() {
  awk '
    /^$/ { exit }
    /^[^ \t#]/ {
      field = tolower($0)
      sub(/:.*/, "", field)
      in_field = (field == "build-depends" || field == "build-depends-arch" || field == "build-depends-indep")
      if (in_field) sub(/^[^:]*:/, "")
    }
    /^#/ { next }
    in_field { print }
  ' "$1" |
    tr ',' '\n' |
    sed -e 's/|.*//' -e 's/([^)]*)//g' -e 's/\[[^]]*\]//g' -e 's/<[^>]*>//g' \
        -e 's/[[:space:]]//g' -e 's/:[a-z]*$//' -e 's/^debhelper-compat$/debhelper/' |
    grep -v '^$' || true
}
