# shellcheck shell=bash
# Sourced by the host-firewall scenarios (tests/e2e/firewall_ufw.sh,
# tests/e2e/firewall_firewalld.sh): Debian's real ufw and firewalld on a
# Docker 28/29 host played by the twin (lib_twin.sh).
#
# Both run only inside the twin's host namespace, `ip netns exec $T-host ...`,
# which bind-mounts every entry of /etc/netns/$T-host/ over the same name in
# /etc, so they get a configuration of their own and never see (or write) the
# real one:
#   /etc/netns/$T-host/ufw/        pristine copy (/usr/share/ufw/iptables/*)
#   /etc/netns/$T-host/default/    a copy of /etc/default (the bind mount
#                                  replaces the whole directory) with our ufw
#   /etc/netns/$T-host/firewalld/  firewalld.conf and Docker's zone + policy
# whyno-port runs the same way (twin_whyno), so it sees the same files.
#
# firewalld needs a D-Bus system bus. The real one's path,
# /run/dbus/system_bus_socket, is on the host's file system (network
# namespaces do not separate paths), so the test runs a dbus-daemon of its own
# (its config and socket under $T_DIR/dbus) and points firewalld and
# firewall-cmd at it with DBUS_SYSTEM_BUS_ADDRESS, given to those two commands
# only. firewalld runs with --nofork --nopid and logs to $T_DIR/firewalld.log.
#
# Host safety, on top of lib_twin.sh's own check at exit: after every ufw or
# firewall-cmd command, and at exit, the host namespace's rules
# (iptables-nft/legacy, ip6tables-nft/legacy, nft) must hold no line of
# ufw's or firewalld's that was not there at the start; the dbus-daemon and
# firewalld are stopped (before the twin's namespaces go) and must be gone;
# what they would write under /run (shared with the host: ufw's lock,
# firewalld's temporary files) goes to a private tmpfs (hostfw_in), and at
# exit none of those paths may have appeared.
#
# Docker and firewalld (what the twin's "dockerd" does not do by itself):
# dockerd watches firewalld on D-Bus and, when firewalld starts or reloads
# (both flush every iptables table in firewalld 1.3, whatever its
# FirewallBackend), writes its rules again; hostfw_docker_replay does that.

# shellcheck source=lib_twin.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib_twin.sh"

HOSTFW_DBUS_DIR=$T_DIR/dbus
HOSTFW_DBUS_ADDRESS=unix:path=$HOSTFW_DBUS_DIR/system_bus_socket
HOSTFW_DBUS_PID=""
HOSTFW_FIREWALLD_PID=""
HOSTFW_FIREWALLD_LOG=$T_DIR/firewalld.log
HOSTFW_TOOLS=()
# Host rule lines that only ufw or firewalld write (chain names, tables, log
# prefixes); one of these appearing in the host namespace is a leak.
HOSTFW_OURS='ufw|UFW|firewalld|_direct|_ZONES|_POLICIES_|FWD_|IN_public|IN_docker|PRE_public|POST_public|allow-host-ipv6'

# --- prologue ----------------------------------------------------------------

# hostfw_require PACKAGE...: twin_require, then installs the Debian packages
# that are missing (one log line), checks that the commands in HOSTFW_TOOLS
# are there, and takes over the EXIT trap so that the daemons stop before
# the twin's namespaces are deleted.
hostfw_require() {
  twin_require
  hostfw_install "$@"
  local tool
  for tool in "${HOSTFW_TOOLS[@]}"; do
    command -v "$tool" >/dev/null 2>&1 || fail "$tool is missing after installing $*"
  done
  _hostfw_host_rules "$T_DIR/hostfw.before"
  local path
  for path in "${HOSTFW_RUN_FILES[@]}"; do
    if [[ -e $path ]]; then _hostfw_run_before+=("$path"); fi
  done
  trap _hostfw_exit EXIT
}

# What ufw (its lock) and firewalld (its temporary dir, for iptables-restore
# input) would write under /run, which network namespaces share with the
# host; hostfw_in gives them a private /run instead, and the exit check
# makes sure none of these appeared.
HOSTFW_RUN_FILES=(/run/ufw.lock /run/firewalld /var/run/firewalld.pid /var/log/firewalld)
_hostfw_run_before=()

# hostfw_install PACKAGE...: apt-get install of those not installed. Their
# maintainer scripts must not start a service on the real host: without a
# policy-rc.d, one that refuses (101) is put in place for the install only.
hostfw_install() {
  local package missing=() made_policy=false
  for package in "$@"; do
    if [[ $(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null) != installed ]]; then
      missing+=("$package")
    fi
  done
  [[ ${#missing[@]} -gt 0 ]] || return 0
  log "installing ${missing[*]} (Debian packages; no service is started)"
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    made_policy=true
  fi
  local status=0
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" \
         >"$T_DIR/apt.log" 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get update >>"$T_DIR/apt.log" 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" \
      >>"$T_DIR/apt.log" 2>&1 || status=$?
  fi
  if $made_policy; then
    rm -f /usr/sbin/policy-rc.d
  fi
  [[ $status -eq 0 ]] || fail "could not install ${missing[*]}: $(tail -5 "$T_DIR/apt.log")"
}

# --- the host must stay as it was -------------------------------------------

_hostfw_host_rules() {
  local tool
  {
    for tool in iptables-nft-save ip6tables-nft-save iptables-legacy-save ip6tables-legacy-save; do
      echo "### $tool"
      "$tool" 2>/dev/null | sed -E '/^#/d; s/ \[[0-9]+:[0-9]+\]$//' || true
    done
    echo "### nft list ruleset"
    nft -s list ruleset 2>&1 || true
  } >"$1"
}

# hostfw_expect_host_untouched WHAT: no rule line of ufw's or firewalld's
# was added to (or removed from) the host namespace since the start. Stops
# the script: ufw or firewalld escaped the twin.
hostfw_expect_host_untouched() {
  local what=$1 changed
  _hostfw_host_rules "$T_DIR/hostfw.now"
  changed=$(diff "$T_DIR/hostfw.before" "$T_DIR/hostfw.now" | grep -E '^[<>] ' | grep -E "$HOSTFW_OURS" || true)
  if [[ -n $changed ]]; then
    fail "after $what, the host namespace's rules changed (ufw/firewalld outside the twin?):"$'\n'"$changed"
  fi
}

_hostfw_exit() {
  local status=$?
  set +e
  trap - ERR
  hostfw_firewalld_stop
  hostfw_dbus_stop
  local left path
  for path in "${HOSTFW_RUN_FILES[@]}"; do
    if [[ -e $path && " ${_hostfw_run_before[*]} " != *" $path "* ]]; then
      echo "FAIL: $TEST_NAME: $path appeared on the host's file system" >&2
      status=1
    fi
  done
  left=$(_hostfw_processes)
  if [[ -n $left ]]; then
    echo "FAIL: $TEST_NAME: processes of this run still run: $left" >&2
    status=1
  fi
  _hostfw_host_rules "$T_DIR/hostfw.after"
  left=$(diff "$T_DIR/hostfw.before" "$T_DIR/hostfw.after" | grep -E '^[<>] ' | grep -E "$HOSTFW_OURS" || true)
  if [[ -n $left ]]; then
    echo "FAIL: $TEST_NAME: ufw/firewalld rules in the host namespace:"$'\n'"$left" >&2
    status=1
  fi
  (exit "$status")
  _twin_exit
}

# dbus-daemon and firewalld processes that carry this run's mark.
_hostfw_processes() {
  local dir exe argv
  for dir in /proc/[0-9]*; do
    exe=$(readlink "$dir/exe" 2>/dev/null) || continue
    argv=$({ tr '\0' '\n' <"$dir/cmdline"; } 2>/dev/null | sed -n 2p) || continue
    [[ ${exe##*/} == dbus-daemon || $argv == */firewalld ]] || continue
    if { tr '\0' '\n' <"$dir/environ"; } 2>/dev/null | grep -qx "WHYNO_TWIN_MARK=$T"; then
      echo -n "${dir#/proc/} "
    fi
  done
}

# Kills PID at exit if it still carries this run's mark (self-contained, so a
# later run's sweep can undo a run killed with SIGKILL).
_hostfw_kill_at_exit() {
  # shellcheck disable=SC2016
  on_exit sh -c 'if tr "\0" "\n" <"/proc/$1/environ" 2>/dev/null | grep -qx "WHYNO_TWIN_MARK=$2"; then kill -9 "$1"; fi' \
    sh "$1" "$T"
}

# --- in the twin --------------------------------------------------------------

# hostfw_in COMMAND...: COMMAND in the twin's host, with its /etc/netns files
# (unlike lib_twin's _twin_in, which enters the network namespace only), in a
# mount namespace of its own with an empty tmpfs on /run: ufw's lock
# (/run/ufw.lock) and firewalld's temporary files (/run/firewalld) stay off
# the host's file system. Nothing of ufw's or firewalld's behaviour depends
# on what else is in /run (the D-Bus socket is under $T_DIR).
hostfw_in() {
  _hostfw_in_argv
  "${HOSTFW_IN[@]}" "$@"
}

# The command prefix of hostfw_in, in HOSTFW_IN (for a process started in the
# background, whose $! must be its own pid, not a subshell's).
_hostfw_in_argv() {
  HOSTFW_IN=(ip netns exec "$TWIN_HOST" unshare --mount --propagation private --
             sh -c 'mount -t tmpfs -o mode=0755,size=16m hostfw-run /run && exec "$@"' sh)
}

# The twin's iptables-save (nft-backed: what Docker, ufw and firewalld's
# iptables backend write), without comments and counters.
_hostfw_twin_save() {
  _twin_in "$TWIN_HOST" iptables-nft-save 2>&1 | sed -E '/^#/d; s/ \[[0-9]+:[0-9]+\]$//'
}

# hostfw_rules PATTERN: the twin's iptables-save lines matching PATTERN, logged.
hostfw_rules() {
  local lines
  lines=$(_hostfw_twin_save | grep -E -- "$1" || true)
  log "reality: twin iptables-save /$1/:"
  # shellcheck disable=SC2001
  sed 's/^/    /' <<<"${lines:-<none>}" >&2
}

# hostfw_nft_rules FAMILY TABLE CHAIN: one chain of the twin's nft ruleset,
# logged.
hostfw_nft_rules() {
  log "reality: twin nft list chain $*:"
  _twin_in "$TWIN_HOST" nft list chain "$@" 2>&1 | sed 's/^/    /' >&2 || true
}

# hostfw_expect_rule PATTERN: a reality check on the twin; some iptables-save
# line matches PATTERN (stops the script otherwise).
hostfw_expect_rule() {
  local save
  save=$(_hostfw_twin_save)
  grep -Eq -- "$1" <<<"$save" ||
    fail "twin: no iptables-save line matches /$1/"
}

# hostfw_expect_no_rule PATTERN: no iptables-save line matches PATTERN.
hostfw_expect_no_rule() {
  local hit
  hit=$(_hostfw_twin_save | grep -E -- "$1" || true)
  [[ -z $hit ]] || fail "twin: iptables-save still has /$1/: $hit"
}

# hostfw_whyno ARGS...: twin_whyno, then its .evidence logged, one per line
# (what whyno-port read of ufw's and firewalld's rules shows there).
hostfw_whyno() {
  twin_whyno "$@"
  jq -r '.evidence[]? | tostring | "    evidence: " + .' "$T_DIR/whyno.out" >&2 2>/dev/null || true
}

# The run's names ($T-*, e.g. wt-firewall-ufw-1a2b3c-c1) contain "ufw" or
# "firewalld": the checks below look at whyno-port's text with every such
# name replaced by <T>, so a container name never counts as a mention.

# hostfw_expect_evidence WORD...: one line of .evidence (strings or objects,
# compared case-insensitively) contains every WORD.
hostfw_expect_evidence() {
  local got
  got=$(jq -c --arg t "$T" --args '$ARGS.positional as $w
      | [.evidence[]? | tostring | gsub($t; "<T>") | ascii_downcase as $l
         | select(all($w[]; ascii_downcase as $x | $l | contains($x)))] | length > 0' \
      "$@" <"$T_DIR/whyno.out" 2>/dev/null) || got=""
  if [[ $got != true ]]; then
    fail_whyno "no .evidence line mentions all of: $* (evidence: $(jq -c '.evidence // null' \
      "$T_DIR/whyno.out" 2>/dev/null | head -c 1500))"
  fi
}

# _hostfw_text FILTER: the string(s) FILTER selects, one per line, names
# replaced.
_hostfw_text() {
  jq -r --arg t "$T" "($1) // \"\" | if type == \"array\" then map(tostring) | join(\"\\n\") else tostring end
      | gsub(\$t; \"<T>\")" "$T_DIR/whyno.out" 2>/dev/null
}

# hostfw_expect_summary WORDS: .summary contains WORDS.
hostfw_expect_summary() {
  local got
  got=$(_hostfw_text .summary) || { fail_whyno "stdout is not JSON"; return 0; }
  if [[ $got != *"$1"* ]]; then
    fail_whyno ".summary does not contain '$1' (it is: '$got')"
  fi
}

# hostfw_expect_fix_any WORDS...: .fix (string or list) contains one of WORDS.
hostfw_expect_fix_any() {
  local got word
  got=$(_hostfw_text .fix) || { fail_whyno "stdout is not JSON"; return 0; }
  for word in "$@"; do
    if [[ $got == *"$word"* ]]; then
      return 0
    fi
  done
  fail_whyno ".fix mentions none of: $* (it is: '$got')"
}

# hostfw_paste_fix TOOL: runs whyno-port's .fix_commands in the twin, as a
# user pastes them; each must be a TOOL command (ufw, firewall-cmd), and the
# host's rules must not change.
hostfw_paste_fix() {
  local tool=$1 cmd n=0 out status
  while IFS= read -r cmd; do
    [[ -n $cmd ]] || continue
    [[ $cmd == "$tool "* ]] || fail_whyno "fix command is not a $tool command: $cmd"
    status=0
    out=$(hostfw_in env DBUS_SYSTEM_BUS_ADDRESS="$HOSTFW_DBUS_ADDRESS" sh -c "$cmd" 2>&1) || status=$?
    log "twin: pasted fix: $cmd: exit $status: $(tr '\n' ' ' <<<"$out")"
    [[ $status -eq 0 ]] || fail "the pasted fix failed: $cmd"
    hostfw_expect_host_untouched "$cmd"
    n=$((n + 1))
  done < <(jq -r '.fix_commands[]?' "$T_DIR/whyno.out")
  [[ $n -gt 0 ]] || fail_whyno "no fix_commands to paste"
}

# --- Docker's side ------------------------------------------------------------

# hostfw_docker_replay [GREP-V-PATTERN]: what dockerd does when firewalld
# (re)starts: its rules again, from the twin's rule file, without flushing
# anybody else's: its chains created, its jumps in built-in chains inserted
# first (in the file's order), no policy changed. With a pattern, the lines
# matching it are left out (a partial restore).
hostfw_docker_replay() {
  local skip=${1:-}
  awk -v skip="$skip" '
    skip != "" && $0 ~ skip { next }
    /^\*/ { print; delete n; next }
    /^:(INPUT|FORWARD|OUTPUT|PREROUTING|POSTROUTING) / { next }
    /^-A (INPUT|FORWARD|OUTPUT|PREROUTING|POSTROUTING) / {
      c = $2; n[c]++; sub(/^-A [^ ]+ /, ""); print "-I " c " " n[c] " " $0; next
    }
    { print }' "$TWIN_DIR/rules.iptables" >"$TWIN_DIR/rules.replay"
  _twin_in "$TWIN_HOST" iptables-nft-restore --noflush <"$TWIN_DIR/rules.replay" ||
    fail "iptables-nft-restore --noflush refused Docker's rules: $(cat "$TWIN_DIR/rules.replay")"
  log "twin: Docker's rules written again (as dockerd does on firewalld's start/reload)${skip:+, without /$skip/}"
}

# --- ufw ----------------------------------------------------------------------

# hostfw_ufw_setup: ufw's configuration for the twin (after twin_up, which
# makes /etc/netns/$T-host and removes it at exit): the package's pristine
# rule files, ENABLED=no, and /etc/default/ufw with the Debian defaults
# (DEFAULT_FORWARD_POLICY="DROP").
hostfw_ufw_setup() {
  local dir=/etc/netns/$TWIN_HOST
  [[ -d $dir ]] || fail "hostfw_ufw_setup: no $dir (call it after twin_up)"
  [[ -d /etc/ufw && -d /etc/default ]] || fail "hostfw_ufw_setup: /etc/ufw or /etc/default is missing"
  mkdir -p "$dir/ufw"
  cp -a /usr/share/ufw/iptables/. "$dir/ufw/"
  cp -a /usr/share/ufw/before.init /usr/share/ufw/after.init /usr/share/ufw/ufw.conf "$dir/ufw/"
  cp -a /etc/ufw/sysctl.conf "$dir/ufw/"
  if [[ -d /etc/ufw/applications.d ]]; then cp -a /etc/ufw/applications.d "$dir/ufw/"; fi
  sed -i 's/^ENABLED=.*/ENABLED=no/' "$dir/ufw/ufw.conf"
  cp -a /etc/default "$dir/default"
  cat >"$dir/default/ufw" <<'EOF'
# /etc/default/ufw of the twin (Debian 12's defaults)
IPV6=yes
DEFAULT_INPUT_POLICY="DROP"
DEFAULT_OUTPUT_POLICY="ACCEPT"
DEFAULT_FORWARD_POLICY="DROP"
DEFAULT_APPLICATION_POLICY="SKIP"
MANAGE_BUILTINS=no
IPT_SYSCTL=/etc/ufw/sysctl.conf
IPT_MODULES=""
EOF
  log "twin: ufw configured in $dir/{ufw,default/ufw} (DEFAULT_FORWARD_POLICY=\"DROP\")"
}

# hostfw_ufw ARGS...: ufw in the twin; its output is logged; the host's
# rules must not change.
hostfw_ufw() {
  local out status=0
  out=$(hostfw_in ufw "$@" 2>&1) || status=$?
  log "twin: ufw $*: exit $status: $(tr '\n' ' ' <<<"$out")"
  [[ $status -eq 0 ]] || fail "ufw $* failed"
  hostfw_expect_host_untouched "ufw $*"
}

# --- D-Bus and firewalld ------------------------------------------------------

# hostfw_dbus_start: a system bus of the test's own: the deny-by-default
# policy of Debian's system.conf, firewalld's own policy file, no service
# activation (nothing is ever started on demand), no pid file, no syslog.
hostfw_dbus_start() {
  [[ -z $HOSTFW_DBUS_PID ]] || return 0
  mkdir -p "$HOSTFW_DBUS_DIR"
  cat >"$HOSTFW_DBUS_DIR/system.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <auth>EXTERNAL</auth>
  <listen>$HOSTFW_DBUS_ADDRESS</listen>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Peer"/>
  </policy>
  <include ignore_missing="no">/usr/share/dbus-1/system.d/FirewallD.conf</include>
</busconfig>
EOF
  dbus-daemon --nofork --nopidfile --nosyslog --config-file="$HOSTFW_DBUS_DIR/system.conf" \
    </dev/null >"$HOSTFW_DBUS_DIR/dbus.log" 2>&1 &
  HOSTFW_DBUS_PID=$!
  _hostfw_kill_at_exit "$HOSTFW_DBUS_PID"
  local _
  for _ in $(seq 1 100); do
    [[ -S $HOSTFW_DBUS_DIR/system_bus_socket ]] && break
    kill -0 "$HOSTFW_DBUS_PID" 2>/dev/null || fail "dbus-daemon died: $(cat "$HOSTFW_DBUS_DIR/dbus.log")"
    sleep 0.05
  done
  [[ -S $HOSTFW_DBUS_DIR/system_bus_socket ]] || fail "dbus-daemon made no socket"
  log "dbus-daemon pid $HOSTFW_DBUS_PID on $HOSTFW_DBUS_ADDRESS"
}

hostfw_dbus_stop() {
  [[ -n $HOSTFW_DBUS_PID ]] || return 0
  kill "$HOSTFW_DBUS_PID" 2>/dev/null || true
  wait "$HOSTFW_DBUS_PID" 2>/dev/null || true
  HOSTFW_DBUS_PID=""
}

# hostfw_firewalld_config BACKEND [--docker-zone]: the twin's /etc/firewalld:
# firewalld.conf (Debian's, FirewallBackend=BACKEND), and with --docker-zone
# what Docker's firewalld integration writes through D-Bus at its start
# (config.addZone "docker", target ACCEPT; config.addPolicy
# "docker-forwarding", ANY -> docker, ACCEPT), as the XML firewalld keeps.
hostfw_firewalld_config() {
  local backend=$1 dir=/etc/netns/$TWIN_HOST/firewalld
  [[ -d /etc/netns/$TWIN_HOST ]] || fail "hostfw_firewalld_config: call it after twin_up"
  [[ -d /etc/firewalld ]] || fail "hostfw_firewalld_config: /etc/firewalld is missing"
  rm -rf "$dir"
  mkdir -p "$dir"/{zones,policies,services,icmptypes,ipsets,helpers}
  cat >"$dir/firewalld.conf" <<EOF
# firewalld.conf of the twin (Debian 12's defaults, FirewallBackend=$backend)
DefaultZone=public
CleanupOnExit=yes
CleanupModulesOnExit=no
Lockdown=no
IPv6_rpfilter=yes
IndividualCalls=no
LogDenied=off
FirewallBackend=$backend
FlushAllOnReload=yes
RFC3964_IPv4=yes
EOF
  if [[ ${2:-} == --docker-zone ]]; then
    cat >"$dir/zones/docker.xml" <<'EOF'
<?xml version="1.0" encoding="utf-8"?>
<zone version="1.0" target="ACCEPT">
  <short>docker</short>
  <description>zone for docker bridge network interfaces</description>
</zone>
EOF
    cat >"$dir/policies/docker-forwarding.xml" <<'EOF'
<?xml version="1.0" encoding="utf-8"?>
<policy version="1.0" target="ACCEPT">
  <description>allow forwarding to the docker zone</description>
  <ingress-zone name="ANY"/>
  <egress-zone name="docker"/>
</policy>
EOF
  fi
  log "twin: firewalld configured in $dir (FirewallBackend=$backend${2:+, with the docker zone and policy})"
}

# hostfw_firewalld_start: firewalld in the twin, on the test's bus; returns
# once `firewall-cmd --state` says running (30 s).
hostfw_firewalld_start() {
  hostfw_dbus_start
  [[ -z $HOSTFW_FIREWALLD_PID ]] || fail "firewalld already runs"
  _hostfw_in_argv
  "${HOSTFW_IN[@]}" env DBUS_SYSTEM_BUS_ADDRESS="$HOSTFW_DBUS_ADDRESS" \
    firewalld --nofork --nopid --log-target file --log-file "$HOSTFW_FIREWALLD_LOG" \
    </dev/null >>"$T_DIR/firewalld.out" 2>&1 &
  HOSTFW_FIREWALLD_PID=$!
  _hostfw_kill_at_exit "$HOSTFW_FIREWALLD_PID"
  local _ state=""
  for _ in $(seq 1 150); do
    state=$(hostfw_in env DBUS_SYSTEM_BUS_ADDRESS="$HOSTFW_DBUS_ADDRESS" firewall-cmd --state 2>&1) && break
    kill -0 "$HOSTFW_FIREWALLD_PID" 2>/dev/null ||
      fail "firewalld died: $(cat "$T_DIR/firewalld.out" "$HOSTFW_FIREWALLD_LOG" 2>/dev/null)"
    sleep 0.2
  done
  [[ $state == running ]] || fail "firewalld is not running after 30 s: $state; $(cat "$HOSTFW_FIREWALLD_LOG" 2>/dev/null)"
  [[ $({ tr '\0' '\n' <"/proc/$HOSTFW_FIREWALLD_PID/cmdline"; } 2>/dev/null | sed -n 2p) == */firewalld ]] ||
    fail "pid $HOSTFW_FIREWALLD_PID is not firewalld"
  log "twin: firewalld $(hostfw_in env DBUS_SYSTEM_BUS_ADDRESS="$HOSTFW_DBUS_ADDRESS" \
    firewall-cmd --version 2>&1) (pid $HOSTFW_FIREWALLD_PID) is running"
  hostfw_expect_host_untouched "firewalld's start"
}

# hostfw_firewalld_stop: SIGTERM (firewalld cleans up its rules), SIGKILL
# after 10 s. Before the twin goes (twin_layout, exit).
hostfw_firewalld_stop() {
  [[ -n $HOSTFW_FIREWALLD_PID ]] || return 0
  local pid=$HOSTFW_FIREWALLD_PID _
  HOSTFW_FIREWALLD_PID=""
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# hostfw_firewall_cmd ARGS...: firewall-cmd in the twin, on the test's bus;
# its output is logged; the host's rules must not change.
hostfw_firewall_cmd() {
  local out status=0
  out=$(hostfw_in env DBUS_SYSTEM_BUS_ADDRESS="$HOSTFW_DBUS_ADDRESS" firewall-cmd "$@" 2>&1) || status=$?
  log "twin: firewall-cmd $*: exit $status: $(tr '\n' ' ' <<<"$out")"
  [[ $status -eq 0 ]] || fail "firewall-cmd $* failed: $(tail -5 "$HOSTFW_FIREWALLD_LOG" 2>/dev/null)"
  hostfw_expect_host_untouched "firewall-cmd $*"
}
