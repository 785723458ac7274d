# shellcheck shell=bash
# packaging/lib-install.sh: sourced by ./quickstart and packaging/build-deb.
#
#   say_name=NAME; source packaging/lib-install.sh
#   say MESSAGE...            prints "NAME: MESSAGE" on stderr
#   install_missing PKG...    installs with apt-get the packages dpkg-query
#                             does not report as installed; apt-get update runs
#                             only if the install fails without it. Not root
#                             and something missing: says so and exits 1.
#   build_depends CONTROL     the package names a debian/control's source
#                             stanza build-depends on, one a line

say_name=${say_name:-$(basename "$0")}

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
    if [[ $(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null) != installed ]]; then
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
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends "${missing[@]}" >&2; then
    say "install failed; updating the package lists and retrying"
    apt-get update >&2
    apt-get install -y --no-install-recommends "${missing[@]}" >&2
  fi
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
