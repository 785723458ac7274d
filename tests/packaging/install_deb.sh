#!/usr/bin/env bash
# The .deb from a clean checkout: build it (packaging/build-deb installs its
# missing build dependencies and lints it), install it with apt, use
# it (whyno-port --version, man whyno-port, docker whyno --help, completion),
# purge it, and check that nothing is left behind.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
fail() { echo "FAIL: $*" >&2; exit 1; }

if [[ $(id -u) -ne 0 ]]; then
  echo "SKIP: installing a package needs root" >&2
  exit 125
fi
if dpkg-query -W -f='${db:Status-Status}' whyno-port 2>/dev/null | grep -qx installed; then
  fail "whyno-port is already installed; this test installs and purges it itself"
fi

out=$(mktemp -d)
trap 'apt-get purge -y whyno-port >/dev/null 2>&1 || true; rm -rf "$out"' EXIT

# 1. Build: the last line of build-deb's output is the .deb's path.
deb=$("$top/packaging/build-deb" "$out" 2>"$out/build.log" | tail -n 1) ||
  { tail -n 30 "$out/build.log" >&2; fail "packaging/build-deb failed"; }
[[ -f $deb ]] || fail "build-deb printed '$deb', which is not a file"
version=$(sed -n 's/^project(whyno-port VERSION \([0-9.]*\).*/\1/p' "$top/CMakeLists.txt")
[[ $(dpkg-deb -f "$deb" Version) == "$version" ]] || fail "the .deb's version is not $version"
dpkg-deb -f "$deb" Depends | grep -q 'libc6' || fail "Depends was not computed from the binary"

# 2. Lintian: build-deb runs it (--pedantic) and fails on errors; a warning
# fails here.
summary=$(grep '^build-deb: lintian: ' "$out/build.log") || fail "build-deb did not run lintian"
if [[ $summary != "build-deb: lintian: 0 errors, 0 warnings,"* ]]; then
  sed -n '/^build-deb: lintian: /,$p' "$out/build.log" >&2
  fail "${summary#build-deb: }"
fi

# 3. Install with apt, as users do.
apt-get install -y "$deb" >"$out/apt.log" 2>&1 || { cat "$out/apt.log" >&2; fail "apt-get install failed"; }
installed_files=$(dpkg-query -L whyno-port | sort)

# 4. Use it.
# The version, and the commit the package was built from (the copy it builds has no .git).
commit=$(git -C "$top" rev-parse --short=12 HEAD)
[[ $(whyno-port --version) == "whyno-port $version (commit $commit)" ]] ||
  fail "whyno-port --version printed '$(whyno-port --version)', not version $version and commit $commit"
man_text=$(MANPAGER=cat MANWIDTH=80 man whyno-port 2>&1) || fail "man whyno-port failed: $man_text"
grep -q 'VERDICTS' <<<"$man_text" || fail "man whyno-port does not render the VERDICTS section"
grep -q 'bound-to-loopback' <<<"$man_text" || fail "man whyno-port lacks the verdicts"
if command -v docker >/dev/null 2>&1; then
  docker_help=$(docker whyno --help 2>&1) || fail "docker whyno --help failed: $docker_help"
  grep -q 'Usage: whyno-port' <<<"$docker_help" || fail "docker whyno --help did not run whyno-port: $docker_help"
  docker --help 2>&1 | grep -q 'whyno' || fail "docker --help does not list the whyno plugin"
else
  echo "note: no docker CLI; the plugin's metadata is checked directly" >&2
fi
/usr/libexec/docker/cli-plugins/docker-whyno docker-cli-plugin-metadata | jq -e --arg v "$version" \
  '.SchemaVersion == "0.1.0" and .Version == $v' >/dev/null || fail "plugin metadata is wrong"
bash -c 'source /usr/share/bash-completion/completions/whyno-port && complete -p whyno-port' >/dev/null ||
  fail "the bash completion does not load"

# The metrics units are shipped, neither enabled nor started (opt-in), and
# the alert rule, the Ansible playbook and the Kubernetes DaemonSet are examples.
for unit in whyno-port-metrics.service whyno-port-metrics.timer; do
  [[ -f /lib/systemd/system/$unit ]] || fail "/lib/systemd/system/$unit is not in the package"
done
[[ ! -e /etc/systemd/system/timers.target.wants/whyno-port-metrics.timer ]] ||
  fail "installing the package enabled whyno-port-metrics.timer"
for example in prometheus/whyno-port.rules.yml ansible/whyno-port-report.yml whyno-port-node.yaml; do
  [[ -f /usr/share/doc/whyno-port/examples/$example ]] || fail "examples/$example is not in the package"
done

# 5. Purge, and nothing may be left behind.
apt-get purge -y whyno-port >"$out/purge.log" 2>&1 || { cat "$out/purge.log" >&2; fail "purge failed"; }
if dpkg-query -W whyno-port >/dev/null 2>&1 && [[ $(dpkg-query -W -f='${db:Status-Status}' whyno-port) != not-installed ]]; then
  fail "dpkg still knows whyno-port after purge"
fi
while read -r path; do
  [[ -z $path || -d $path ]] && continue
  [[ -e $path ]] && fail "$path is left behind after purge"
done <<<"$installed_files"
for path in /usr/bin/whyno-port /usr/libexec/docker/cli-plugins/docker-whyno /usr/share/doc/whyno-port \
            /usr/share/man/man1/whyno-port.1.gz /usr/share/bash-completion/completions/whyno-port \
            /lib/systemd/system/whyno-port-metrics.timer \
            /var/lib/systemd/deb-systemd-helper-enabled/whyno-port-metrics.timer.dsh-also; do
  [[ -e $path ]] && fail "$path is left behind after purge"
done
echo "ok: $(basename "$deb") builds, lints clean, installs, works and purges cleanly"
