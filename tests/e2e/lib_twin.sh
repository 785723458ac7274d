# shellcheck shell=bash
# Sourced by the Docker 28/29 "twin" scenarios (tests/e2e/twin_*.sh).
#
# Only Docker 20.10 runs on our machines, but users run Docker 28 and 29. A
# twin is a set of network namespaces that plays such a host, without dockerd:
#
#   $T-remote  "another machine": eth0 203.0.113.2/24 (TEST-NET-3), route to
#              the container subnets via 203.0.113.1, so direct access can
#              be tried
#   $T-host    the Docker host: eth0 203.0.113.1/24, docker0 172.17.0.1/16
#              (Docker's default bridge, no containers), the upstream file's
#              bridge(s) (bridge1 192.0.2.1/24, ...), ip_forward=1; Docker's
#              rules exactly as the upstream file records them; "dockerd"
#              (tests/programs/port_holder.c, then fake_engine.c in the same
#              process) holding the published ports, serving a fake Engine
#              API and parenting the docker-proxy processes
#              (fake_docker_proxy.c, with -use-listen-fd)
#   $T-<name>  one per container: eth0 on its bridge, the static server
#              (tests/programs/server.c) as the container's process, in a
#              UTS namespace named after the container's short id
#
# whyno-port runs inside $T-host (`ip netns exec`, which also bind-mounts
# /etc/netns/$T-host/docker over /etc/docker, so the twin has its own
# daemon.json), with DOCKER_HOST pointing at the fake engine.
#
# The rule sets are data: tests/fixtures/twin/moby/ holds moby's own generated
# docs (see its README), and twin_up loads the one the layout names unchanged
# (iptables-nft-restore of the doc's "iptables commands" blocks, or nft -f of
# its "table ip docker-bridges"). The names and addresses are upstream's own
# (bridge1, 192.0.2.0/24, c1 at 192.0.2.2), so no substitution is needed.
# The only edit: nft 1.0.6 (Debian 12) rejects the keyword "priority dstnat"
# on an output hook, so it is written as its value, -100 (same kernel state).
#
# The Engine API answers (tests/programs/fake_engine.c serves them) are
# written at twin_up from the twin itself: real PIDs (State.Pid), MACs, ids
# (64 hex), SandboxKey /run/netns/$T-<name>, HostsPath a real hosts file.
# Docker 29.7.2: Api-Version 1.52 (WHYNO_TWIN_API_29 overrides), minimum
# 1.44, inspect without the top-level NetworkSettings fields from 1.52 on;
# Docker 28.5.2: 1.51, minimum 1.24. /info has FirewallBackend from 1.49.
# What Docker makes of -p follows port_mapping_linux.go: no host IP binds
# 0.0.0.0 and, with the proxy, [::] (two docker-proxies, both to the IPv4
# container); routed mode binds nothing (Ports HostPort ""); an --internal
# network nothing (Ports null). A network's Options are exactly its -o
# flags, as Docker reports a user network's.
#
# A scenario:
#   source "$(dirname "$0")/lib_twin.sh"
#   twin_require                      # root, tools, programs; else skip (125)
#   twin_case "name"                  # a heading; assertions are per case
#   twin_layout 29 nftables usernet-portmap
#   twin_network bridge1 bridge1 192.0.2.0/24 192.0.2.1
#   twin_container c1 bridge1 192.0.2.2 -p 8080:80 --serve tcp:0.0.0.0:80
#   twin_up
#   expect_netns_curl "$TWIN_REMOTE" 203.0.113.1:8080 0   # reality first
#   twin_whyno 203.0.113.1:8080 --from 203.0.113.2 --no-probe --json
#   expect_verdict reachable; expect_status 0
#   twin_down                         # or the next twin_layout does it
#
# Assertions (lib.sh's expect_*) do not stop the script by default: each
# failure is recorded and listed at the end, which then exits 1, so one run
# shows every case. WHYNO_TWIN_FAIL_FAST=1 stops at the first one. A reality
# check that fails (curl) always stops it: then the twin is wrong, not
# whyno-port.
#
# Cleanup: every change registers its undo with on_exit (lib.sh). At exit the
# script also checks that the host is as it found it: no namespace, /etc/netns
# entry or process of this run left, and no rule or interface naming the
# twin's names or addresses in the host's `ip netns list`, `nft list ruleset`,
# `iptables-save` (nft and legacy) or `ip link`. Changes by others (another
# engineer's Docker tests run on this host at the same time) are logged, not
# failed.
#
# Environment: WHYNO_PORT (default build/whyno-port), WHYNO_TEST_PROGRAMS_DIR,
# WHYNO_TWIN_FAIL_FAST, WHYNO_E2E_SAVE_FACTS (as lib.sh).

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TWIN_FIXTURES=$REPO_DIR/tests/fixtures/twin
TWIN_MOBY=$TWIN_FIXTURES/moby
# Resolved: processes are told apart by /proc/PID/exe, which has no symlinks.
TWIN_BIN=$(realpath -m "$PROGRAMS_DIR/twin")
TWIN_REMOTE_HOST_ADDR=203.0.113.1
TWIN_REMOTE_CLIENT_ADDR=203.0.113.2
TWIN_HOST=$T-host
TWIN_REMOTE=$T-remote
TWIN_DIR=$T_DIR/twin
# Marks every process the twin starts (found in /proc/PID/environ at exit).
export WHYNO_TWIN_MARK=$T

_twin_failures=()
_twin_case=""
_twin_ready=false
_twin_is_up=false

# --- prologue ----------------------------------------------------------------

_twin_skip() {
  echo "SKIP: $TEST_NAME: $*"
  exit 125
}

# twin_require: root, the tools, the test programs; skips (125) with the
# reason otherwise. Needs no dockerd.
twin_require() {
  if [[ $(id -u) -ne 0 ]]; then
    _twin_skip "needs root (network namespaces, nft, and whyno-port reading them); run ctest as root"
  fi
  local tool package missing=()
  for tool in ip nft iptables-nft iptables-nft-restore iptables-nft-save iptables-legacy-save \
              jq curl musl-gcc nsenter unshare ss flock timeout od realpath; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      case $tool in
        ip | ss) package=iproute2 ;;
        nft) package=nftables ;;
        iptables-*) package=iptables ;;
        musl-gcc) package=musl-tools ;;
        nsenter | unshare | flock) package=util-linux ;;
        timeout | od | realpath) package=coreutils ;;
        *) package=$tool ;;
      esac
      missing+=("$tool ($package)")
    fi
  done
  if [[ ${#missing[@]} -gt 0 ]]; then
    _twin_skip "missing tools: ${missing[*]}"
  fi
  if [[ ! -d $TWIN_MOBY ]]; then
    fail "the upstream rule files are missing: $TWIN_MOBY"
  fi
  WHYNO_PORT=${WHYNO_PORT:-$REPO_DIR/build/whyno-port}
  _twin_build || fail "could not build the twin's programs"
  _twin_sweep_stale
  # ip netns exec bind-mounts /etc/netns/NS/docker over /etc/docker, which
  # must therefore exist; if it does not, it is made here and removed at exit.
  if [[ ! -e /etc/docker ]]; then
    on_exit rmdir /etc/docker
    mkdir /etc/docker
  fi
  if [[ ! -d /etc/netns ]]; then
    on_exit rmdir /etc/netns
    mkdir /etc/netns
  fi
  mkdir -p "$TWIN_DIR"
  _twin_host_state "$T_DIR/host.before"
  trap _twin_exit EXIT
  _twin_ready=true
  log "names: $T-*, whyno-port: $WHYNO_PORT"
}

# Static programs from tests/programs/, built here (not by build.sh, which
# needs dockerd for its image), each under the name its process must show:
# dockerd (port_holder, then fake_engine: comm "dockerd" throughout),
# docker-proxy, server, and an idle process for client containers.
_twin_build() {
  local src=$REPO_DIR/tests/programs program
  mkdir -p "$TWIN_BIN/sbin" "$TWIN_BIN/engine"
  exec 8>"$TWIN_BIN/.build.lock"
  flock 8
  for program in fake_engine fake_docker_proxy port_holder server client; do
    if [[ ! "$TWIN_BIN/$program" -nt "$src/$program.c" ]]; then
      log "compiling $program"
      musl-gcc -static -O2 -Wall -Wextra -o "$TWIN_BIN/$program.tmp" "$src/$program.c" || return 1
      mv -f "$TWIN_BIN/$program.tmp" "$TWIN_BIN/$program"
    fi
  done
  # Copies, not links: /proc/PID/exe and comm then both name dockerd.
  _twin_install "$TWIN_BIN/port_holder" "$TWIN_BIN/sbin/dockerd"
  _twin_install "$TWIN_BIN/fake_engine" "$TWIN_BIN/engine/dockerd"
  _twin_install "$TWIN_BIN/fake_docker_proxy" "$TWIN_BIN/sbin/docker-proxy"
  _twin_install "$(command -v sleep)" "$TWIN_BIN/sleep"
  flock -u 8
  exec 8>&-
}

_twin_install() {
  if [[ ! $2 -nt $1 ]]; then
    cp -f "$1" "$2.tmp" && mv -f "$2.tmp" "$2"
  fi
}

# Undo files of killed runs (lib.sh's format), as lib.sh's _sweep_stale does.
_twin_sweep_stale() {
  local file pid
  for file in "$_undo_dir"/*.undo; do
    [[ -f $file ]] || continue
    pid=$(basename "$file" .undo)
    if [[ $pid != "$$" ]] && ! kill -0 "$pid" 2>/dev/null; then
      log "undoing host changes left by a killed run ($file)"
      _run_undo "$file"
    fi
  done
}

# --- the host must stay as it was -------------------------------------------

# What this run could leave behind, in the host's own namespace.
_twin_host_state() {
  local file=$1 f
  {
    echo "### ip netns list"
    ip netns list 2>&1 | awk '{print $1}' | sort || true
    echo "### /etc/netns"
    find /etc/netns -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort || true
    echo "### ip link"
    ip -o link show 2>&1 | awk -F': ' '{print $2}' | sed 's/@.*//' | sort || true
    echo "### nft list ruleset"
    nft -s list ruleset 2>&1 || true
    echo "### iptables-nft-save"
    iptables-nft-save 2>&1 | sed -E '/^#/d; s/ \[[0-9]+:[0-9]+\]$//' || true
    echo "### iptables-legacy-save"
    iptables-legacy-save 2>&1 | sed -E '/^#/d; s/ \[[0-9]+:[0-9]+\]$//' || true
    echo "### sysctls"
    for f in /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv4/conf/all/forwarding \
             /proc/sys/net/ipv4/conf/all/route_localnet /proc/sys/net/bridge/bridge-nf-call-iptables; do
      if [[ -r $f ]]; then echo "$f $(<"$f")"; fi
    done
    echo "### twin processes"
    _twin_processes
  } >"$file"
}

# PID and exe of every live process that runs one of the twin's programs and
# carries this run's mark.
_twin_processes() {
  local dir pid exe
  for dir in /proc/[0-9]*; do
    pid=${dir#/proc/}
    exe=$(readlink "$dir/exe" 2>/dev/null) || continue
    exe=${exe% (deleted)}  # rebuilt while it ran
    [[ $exe == "$TWIN_BIN"/* ]] || continue
    if tr '\0' '\n' <"$dir/environ" 2>/dev/null | grep -qx "WHYNO_TWIN_MARK=$T"; then
      echo "$pid $exe"
    fi
  done
}

# Lines added to the host's state that name this twin: its namespaces,
# /etc/netns entries, processes, or its addresses and bridges in a rule.
_twin_leftovers() {
  local before=$1 after=$2 ours
  ours="$T|192\\.0\\.2\\.|203\\.0\\.113\\.|bridge1|bridgeICC|bridgeNoICC|docker-bridges"
  diff "$before" "$after" | sed -n 's/^> //p' | grep -E "$ours|^[0-9]+ $TWIN_BIN/" || true
}

_twin_exit() {
  local status=$?
  set +e
  trap - ERR
  if $_twin_ready; then
    twin_down >/dev/null 2>&1
    _run_undo "$_undo_file"
    _twin_host_state "$T_DIR/host.after"
    local left
    left=$(_twin_leftovers "$T_DIR/host.before" "$T_DIR/host.after")
    if [[ -n $left ]]; then
      echo "FAIL: $TEST_NAME: the host is not as it was; left behind:" >&2
      echo "$left" >&2
      local pid exe
      while read -r pid exe; do
        kill -9 "$pid" 2>/dev/null || true  # just listed: ours
      done < <(_twin_processes)
      status=1
    elif ! diff -q "$T_DIR/host.before" "$T_DIR/host.after" >/dev/null; then
      log "the host changed meanwhile, but not in anything of this run's (another test?):"
      diff "$T_DIR/host.before" "$T_DIR/host.after" | head -40 >&2
    else
      log "host state after cleanup: as before"
    fi
    if [[ $status -eq 0 && ${#_twin_failures[@]} -gt 0 ]]; then
      status=1
    fi
    if [[ ${#_twin_failures[@]} -gt 0 ]]; then
      echo "FAIL: $TEST_NAME: ${#_twin_failures[@]} assertion(s) failed:" >&2
      printf '  - %s\n' "${_twin_failures[@]}" >&2
    fi
  fi
  (exit "$status")
  _cleanup
}

# --- assertions -------------------------------------------------------------

# twin_case NAME: starts a case; failures are reported under its name.
twin_case() {
  _twin_case=$1
  echo "=== case: $1" >&2
}

# lib.sh's expect_* end in fail_whyno: record and go on (see the top).
# whyno-port's output is shown with the first failure of each run only.
fail_whyno() {
  echo "FAIL: $TEST_NAME [${_twin_case:-}]: $*" >&2
  if [[ ${_twin_shown_run:-} != "${_twin_runs:-0}" ]]; then
    _twin_shown_run=${_twin_runs:-0}
    {
      echo "--- command: ${WHYNO_COMMAND:-} (exit status ${WHYNO_STATUS:-})"
      echo "--- stdout:"
      cat "$T_DIR/whyno.out" 2>/dev/null
      echo "--- stderr:"
      cat "$T_DIR/whyno.err" 2>/dev/null
      echo "---"
    } >&2
  fi
  if [[ -n ${WHYNO_TWIN_FAIL_FAST:-} ]]; then
    exit 1
  fi
  _twin_failures+=("[${_twin_case:-}] $* (${WHYNO_COMMAND:-})")
  return 0
}

# --- describing the twin ----------------------------------------------------

# twin_layout VERSION BACKEND DOC [--proxy|--no-proxy]: a new, empty twin:
# Docker VERSION (29: 29.7.2, API 1.52; 28: 28.5.2, API 1.51), firewall
# BACKEND (iptables|nftables), rules from upstream doc DOC (e.g.
# usernet-portmap). The userland proxy is on unless --no-proxy. Also declares
# Docker's default network "bridge" (docker0).
twin_layout() {
  twin_down
  TWIN_VERSION=$1
  TWIN_BACKEND=$2
  TWIN_DOC=$3
  TWIN_PROXY=true
  if [[ ${4:-} == --no-proxy ]]; then
    TWIN_PROXY=false
  fi
  case $TWIN_VERSION in
    29)
      TWIN_ENGINE_VERSION=29.7.2
      TWIN_GIT_COMMIT=6a43e3d
      TWIN_API=${WHYNO_TWIN_API_29:-1.52}
      TWIN_MIN_API=1.44
      TWIN_GO=go1.24.9
      ;;
    28)
      TWIN_ENGINE_VERSION=28.5.2
      TWIN_GIT_COMMIT=89c5e8f
      TWIN_API=1.51
      TWIN_MIN_API=1.24
      TWIN_GO=go1.24.9
      ;;
    *) fail "twin_layout: no Docker $TWIN_VERSION" ;;
  esac
  case $TWIN_BACKEND in
    iptables | nftables) ;;
    *) fail "twin_layout: no firewall backend $TWIN_BACKEND" ;;
  esac
  if [[ $TWIN_BACKEND == nftables && $TWIN_VERSION != 29 ]]; then
    fail "twin_layout: the nftables backend is Docker 29's"
  fi
  TWIN_RULES_FILE=$TWIN_MOBY/v$TWIN_ENGINE_VERSION/integration/network/bridge/${TWIN_BACKEND}doc/generated/$TWIN_DOC.md
  [[ -f $TWIN_RULES_FILE ]] || fail "twin_layout: no upstream file $TWIN_RULES_FILE"
  TWIN_NETS=()
  TWIN_CTRS=()
  unset NET_BRIDGE NET_SUBNET NET_GW NET_INTERNAL NET_OPTS NET_ID NET_CREATED
  unset CTR_NET CTR_IP CTR_PUBLISH CTR_SERVE CTR_NS CTR_PID CTR_ID CTR_MAC CTR_EP \
        CTR_SANDBOX CTR_VETH CTR_CREATED
  declare -gA NET_BRIDGE NET_SUBNET NET_GW NET_INTERNAL NET_OPTS NET_ID NET_CREATED
  declare -gA CTR_NET CTR_IP CTR_PUBLISH CTR_SERVE CTR_NS CTR_PID CTR_ID CTR_MAC CTR_EP \
              CTR_SANDBOX CTR_VETH CTR_CREATED
  twin_network bridge docker0 172.17.0.0/16 172.17.0.1 \
    -o com.docker.network.bridge.default_bridge=true \
    -o com.docker.network.bridge.enable_icc=true \
    -o com.docker.network.bridge.enable_ip_masquerade=true \
    -o com.docker.network.bridge.host_binding_ipv4=0.0.0.0 \
    -o com.docker.network.bridge.name=docker0 \
    -o com.docker.network.driver.mtu=1500
  log "twin: Docker $TWIN_ENGINE_VERSION (API $TWIN_API), $TWIN_BACKEND backend," \
      "userland-proxy $TWIN_PROXY, rules: ${TWIN_RULES_FILE#"$REPO_DIR"/}"
}

# twin_network NAME BRIDGE SUBNET GATEWAY [--internal] [-o KEY=VALUE]...:
# a bridge network, as `docker network create -o ... --subnet --gateway`
# made it; the -o options are the network's Options, exactly as given.
twin_network() {
  local name=$1 bridge=$2 subnet=$3 gateway=$4 opts="" internal=false
  shift 4
  while [[ $# -gt 0 ]]; do
    case $1 in
      --internal) internal=true ;;
      -o) opts+="$2"$'\n'; shift ;;
      *) fail "twin_network: bad argument $1" ;;
    esac
    shift
  done
  TWIN_NETS+=("$name")
  NET_BRIDGE[$name]=$bridge
  NET_SUBNET[$name]=$subnet
  NET_GW[$name]=$gateway
  NET_INTERNAL[$name]=$internal
  NET_OPTS[$name]=$opts
  NET_ID[$name]=$(_twin_hex 32)
  NET_CREATED[$name]=$(_twin_now)
}

# twin_container NAME NETWORK IP [-p [HOSTIP:]HOSTPORT:PORT[/PROTO]]...
#                [--serve tcp:ADDR:PORT]...: a running container, as `docker
# run --network NETWORK -p ...`; with --serve, its process is the static
# server on those specs, else an idle process (a client). Its engine name is
# $T-NAME, its namespace $T-NAME.
twin_container() {
  local name=$T-$1 network=$2 ip=$3 publish="" serve=""
  shift 3
  while [[ $# -gt 0 ]]; do
    case $1 in
      -p) publish+="$2 "; shift ;;
      --serve) serve+="$2 "; shift ;;
      *) fail "twin_container: bad argument $1" ;;
    esac
    shift
  done
  [[ -n ${NET_BRIDGE[$network]:-} ]] || fail "twin_container: no network $network"
  TWIN_CTRS+=("$name")
  CTR_NET[$name]=$network
  CTR_IP[$name]=$ip
  CTR_PUBLISH[$name]=$publish
  CTR_SERVE[$name]=$serve
  CTR_NS[$name]=$name
  CTR_ID[$name]=$(_twin_hex 32)
  CTR_EP[$name]=$(_twin_hex 32)
  CTR_SANDBOX[$name]=$(_twin_hex 32)
  CTR_VETH[$name]=veth$(_twin_hex 4 | cut -c1-7)
  CTR_CREATED[$name]=$(_twin_now)
}

_twin_hex() {
  od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'
}

_twin_now() {
  date -u +%Y-%m-%dT%H:%M:%S.%NZ
}

# The gateway mode of a network: nat (default), nat-unprotected or routed.
_twin_gwmode() {
  local mode
  mode=$(sed -n 's/^com\.docker\.network\.bridge\.gateway_mode_ipv4=//p' <<<"${NET_OPTS[$1]}")
  echo "${mode:-nat}"
}

# --- building it ------------------------------------------------------------

# twin_up: makes the namespaces, links, rules, daemon.json, processes and
# engine answers described so far. Sets TWIN_SOCK, TWIN_DOCKERD_PID.
twin_up() {
  local ns name network bridge prefix
  _twin_is_up=true
  rm -rf "$TWIN_DIR"
  mkdir -p "$TWIN_DIR/answers" "$TWIN_DIR/containers"
  TWIN_SOCK=$TWIN_DIR/docker.sock

  # The host and the remote client.
  _twin_netns "$TWIN_HOST"
  _twin_netns "$TWIN_REMOTE"
  _twin_sysctl "$TWIN_HOST" net.ipv4.ip_forward 1
  ip -n "$TWIN_HOST" link add eth0 type veth peer name eth0 netns "$TWIN_REMOTE"
  ip -n "$TWIN_HOST" addr add "$TWIN_REMOTE_HOST_ADDR/24" dev eth0
  ip -n "$TWIN_HOST" link set eth0 up
  ip -n "$TWIN_REMOTE" addr add "$TWIN_REMOTE_CLIENT_ADDR/24" dev eth0
  ip -n "$TWIN_REMOTE" link set eth0 up

  # The bridges, with their gateway addresses.
  for network in "${TWIN_NETS[@]}"; do
    bridge=${NET_BRIDGE[$network]}
    prefix=${NET_SUBNET[$network]#*/}
    ip -n "$TWIN_HOST" link add "$bridge" type bridge
    ip -n "$TWIN_HOST" addr add "${NET_GW[$network]}/$prefix" dev "$bridge"
    ip -n "$TWIN_HOST" link set "$bridge" up
    if [[ $network != bridge ]]; then
      ip -n "$TWIN_REMOTE" route add "${NET_SUBNET[$network]}" via "$TWIN_REMOTE_HOST_ADDR"
    fi
    if ! $TWIN_PROXY; then
      # setupLoopbackAddressesRouting: with the proxy off, 127.0.0.1 is DNATed.
      _twin_sysctl "$TWIN_HOST" "net.ipv4.conf.$bridge.route_localnet" 1
    fi
  done
  # br_netfilter: bridged (container to container) traffic goes through
  # iptables/nftables, as Docker arranges for icc=false and for no proxy.
  if [[ -e /proc/sys/net/bridge/bridge-nf-call-iptables ]]; then
    _twin_sysctl "$TWIN_HOST" net.bridge.bridge-nf-call-iptables 1
  fi

  # The containers.
  for name in "${TWIN_CTRS[@]}"; do
    network=${CTR_NET[$name]}
    ns=${CTR_NS[$name]}
    prefix=${NET_SUBNET[$network]#*/}
    _twin_netns "$ns"
    ip -n "$TWIN_HOST" link add "${CTR_VETH[$name]}" type veth peer name eth0 netns "$ns"
    ip -n "$TWIN_HOST" link set "${CTR_VETH[$name]}" master "${NET_BRIDGE[$network]}" up
    ip -n "$ns" addr add "${CTR_IP[$name]}/$prefix" dev eth0
    ip -n "$ns" link set eth0 up
    if [[ ${NET_INTERNAL[$network]} != true ]]; then
      ip -n "$ns" route add default via "${NET_GW[$network]}"
    fi
    CTR_MAC[$name]=$(ip -n "$ns" -o link show eth0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
  done

  _twin_load_rules
  _twin_daemon_json
  _twin_start_containers
  _twin_write_answers
  _twin_start_dockerd
  log "twin is up: $TWIN_HOST, $TWIN_REMOTE, ${TWIN_CTRS[*]}; engine unix://$TWIN_SOCK"
}

# twin_down: removes the twin (also done at exit, via on_exit).
twin_down() {
  $_twin_is_up || return 0
  _twin_is_up=false
  local pid exe ns
  while read -r pid exe; do
    kill "$pid" 2>/dev/null || true  # just listed: ours
  done < <(_twin_processes)
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    if [[ -z $(_twin_processes) ]]; then break; fi
    sleep 0.1
  done
  while read -r pid exe; do
    kill -9 "$pid" 2>/dev/null || true
  done < <(_twin_processes)
  for ns in "${CTR_NS[@]}" "$TWIN_REMOTE" "$TWIN_HOST"; do
    ip netns delete "$ns" 2>/dev/null
  done
  rm -rf "/etc/netns/$TWIN_HOST"
  return 0
}

_twin_netns() {
  on_exit ip netns delete "$1"
  ip netns add "$1"
  ip -n "$1" link set lo up
}

# _twin_sysctl NETNS NAME VALUE: inside the twin only (sysctls under
# /proc/sys/net are per network namespace).
_twin_sysctl() {
  nsenter --net="/run/netns/$1" -- sh -c 'echo "$2" > "/proc/sys/$(echo "$1" | tr . /)"' sh "$2" "$3"
}

# _twin_in NETNS COMMAND...: runs COMMAND in that network namespace only.
_twin_in() {
  local ns=$1
  shift
  nsenter --net="/run/netns/$ns" -- "$@"
}

# The doc's full "iptables commands" blocks (those that start with the
# table's policies) in iptables-restore form, one table each: filter
# (INPUT/FORWARD/OUTPUT), nat (PREROUTING/INPUT/OUTPUT/POSTROUTING), raw
# (PREROUTING/OUTPUT). Excerpts repeated in the prose are skipped.
twin_extract_iptables() {
  awk '
    function flush_block(   chains, table, i, parts, line) {
      if (nb == 0) return
      if (block[1] !~ /^-P /) { nb = 0; return }
      chains = ""
      for (i = 1; i <= nb; i++) if (block[i] ~ /^-P /) { split(block[i], parts, " "); chains = chains parts[2] "," }
      if (chains == "INPUT,FORWARD,OUTPUT,") table = "filter"
      else if (chains == "PREROUTING,INPUT,OUTPUT,POSTROUTING,") table = "nat"
      else if (chains == "PREROUTING,OUTPUT,") table = "raw"
      else { printf "unknown table with policies %s\n", chains > "/dev/stderr"; bad = 1; nb = 0; return }
      if (table in seen) { nb = 0; return }
      seen[table] = 1
      out[table] = ""
      for (i = 1; i <= nb; i++) {
        if (block[i] ~ /^-P /) { split(block[i], parts, " "); line = ":" parts[2] " " parts[3] " [0:0]" }
        else if (block[i] ~ /^-N /) { split(block[i], parts, " "); line = ":" parts[2] " - [0:0]" }
        else line = block[i]
        out[table] = out[table] line "\n"
      }
      order[++norder] = table
      nb = 0
    }
    /^    -[PNA] / { sub(/^    /, ""); sub(/[ \t]+$/, ""); block[++nb] = $0; next }
    /^ *$/ && nb > 0 { next }
    { flush_block() }
    END {
      flush_block()
      if (norder == 0) bad = 1
      for (i = 1; i <= norder; i++) printf "*%s\n%sCOMMIT\n", order[i], out[order[i]]
      exit bad
    }' "$1"
}

# The doc's first "table ip docker-bridges { ... }" as nft -f input.
twin_extract_nft() {
  awk '
    !done && /^    table ip docker-bridges \{$/ { on = 1 }
    on { line = $0; sub(/^    /, "", line); print line }
    on && /^    \}$/ { on = 0; done = 1 }
    END { if (!done) exit 1 }' "$1" |
    sed -E '/type nat hook output/s/priority dstnat;/priority -100;/'
}

_twin_load_rules() {
  local rules=$TWIN_DIR/rules
  if [[ $TWIN_BACKEND == iptables ]]; then
    twin_extract_iptables "$TWIN_RULES_FILE" >"$rules.iptables" ||
      fail "no iptables commands in $TWIN_RULES_FILE"
    _twin_in "$TWIN_HOST" iptables-nft-restore <"$rules.iptables" ||
      fail "iptables-nft-restore refused the rules of $TWIN_RULES_FILE"
  else
    twin_extract_nft "$TWIN_RULES_FILE" >"$rules.nft" ||
      fail "no nftables table in $TWIN_RULES_FILE"
    _twin_in "$TWIN_HOST" nft -f "$rules.nft" ||
      fail "nft refused the rules of $TWIN_RULES_FILE"
  fi
}

# The twin's /etc/docker: daemon.json only when the layout is not Docker's
# default, and always a directory of its own, so the real /etc/docker does
# not show through.
_twin_daemon_json() {
  local dir=/etc/netns/$TWIN_HOST/docker json="{}"
  on_exit rm -rf "/etc/netns/$TWIN_HOST"
  mkdir -p "$dir"
  if [[ $TWIN_BACKEND == nftables ]]; then
    json=$(jq -c '. + {"firewall-backend": "nftables"}' <<<"$json")
  fi
  if ! $TWIN_PROXY; then
    json=$(jq -c '. + {"userland-proxy": false}' <<<"$json")
  fi
  if [[ $json != "{}" ]]; then
    jq . <<<"$json" >"$dir/daemon.json"
    log "twin /etc/docker/daemon.json: $json"
  fi
}

_twin_start_containers() {
  local name spec log short pid
  for name in "${TWIN_CTRS[@]}"; do
    short=${CTR_ID[$name]:0:12}
    log=$TWIN_DIR/containers/$name.log
    _twin_container_files "$name"
    # Its own UTS namespace, named like a container: "hello from <short id>".
    if [[ -n ${CTR_SERVE[$name]} ]]; then
      # shellcheck disable=SC2086
      nsenter --net="/run/netns/${CTR_NS[$name]}" -- unshare --uts -- \
        sh -c 'echo "$1" >/proc/sys/kernel/hostname; shift; exec "$@"' sh "$short" \
        "$TWIN_BIN/server" ${CTR_SERVE[$name]} </dev/null >"$log" 2>&1 &
    else
      nsenter --net="/run/netns/${CTR_NS[$name]}" -- unshare --uts -- \
        sh -c 'echo "$1" >/proc/sys/kernel/hostname; shift; exec "$@"' sh "$short" \
        "$TWIN_BIN/sleep" infinity </dev/null >"$log" 2>&1 &
    fi
    pid=$!
    CTR_PID[$name]=$pid
    _twin_kill_at_exit "$pid"
    for spec in ${CTR_SERVE[$name]}; do
      if [[ $spec =~ ^(tcp|udp):.*:([0-9]+)$ ]]; then
        _wait_log_line "$log" "^listening ${BASH_REMATCH[1]} .*:${BASH_REMATCH[2]}\$" "$pid" ||
          fail "container $name did not listen on $spec: $(cat "$log")"
      fi
    done
    if [[ -z ${CTR_SERVE[$name]} ]]; then
      for _ in $(seq 1 50); do
        if [[ $(readlink "/proc/$pid/exe" 2>/dev/null) == "$TWIN_BIN/sleep" ]]; then break; fi
        sleep 0.05
      done
    fi
  done
}

# _twin_kill_at_exit PID: registers the kill of PID for exit, if it still
# runs with this run's mark. Self-contained (no function of this file), so
# that lib.sh's sweep in a later run can undo a run killed with SIGKILL.
_twin_kill_at_exit() {
  # shellcheck disable=SC2016
  on_exit sh -c 'if tr "\0" "\n" <"/proc/$1/environ" 2>/dev/null | grep -qx "WHYNO_TWIN_MARK=$2"; then kill "$1"; fi' \
    sh "$1" "$T"
}

# /etc/hosts and friends, as Docker writes them under the container's dir.
_twin_container_files() {
  local name=$1 dir
  dir=$TWIN_DIR/containers/${CTR_ID[$name]}
  mkdir -p "$dir"
  printf '%s\n' "127.0.0.1	localhost" "::1	localhost ip6-localhost ip6-loopback" \
    "fe00::	ip6-localnet" "ff00::	ip6-mcastprefix" "ff02::1	ip6-allnodes" \
    "ff02::2	ip6-allrouters" "${CTR_IP[$name]}	${CTR_ID[$name]:0:12}" >"$dir/hosts"
  echo "${CTR_ID[$name]:0:12}" >"$dir/hostname"
  printf '%s\n' "nameserver 127.0.0.11" "options ndots:0" >"$dir/resolv.conf"
}

# What Docker does with one -p of a container: the host bindings it makes,
# as "HOSTIP HOSTPORT" lines ("" HOSTPORT when none: routed), none on an
# internal network. From daemon/libnetwork/drivers/bridge/port_mapping_linux.go:
# no host IP means 0.0.0.0 and, only with the proxy (an IPv4-only container),
# ::; the routed mapper takes no host port.
_twin_bindings() {
  local name=$1 spec=$2 network host_ip="" host_port
  network=${CTR_NET[$name]}
  [[ ${NET_INTERNAL[$network]} == true ]] && return 0
  spec=${spec%/*}
  if [[ $spec =~ ^(.*):([0-9]+):([0-9]+)$ ]]; then
    host_ip=${BASH_REMATCH[1]}
    host_port=${BASH_REMATCH[2]}
  elif [[ $spec =~ ^([0-9]+):([0-9]+)$ ]]; then
    host_port=${BASH_REMATCH[1]}
  else
    fail "twin: cannot read -p $spec"
  fi
  if [[ $(_twin_gwmode "$network") == routed ]]; then
    echo "0.0.0.0 -"
    return 0
  fi
  if [[ -z $host_ip ]]; then
    echo "0.0.0.0 $host_port"
    if $TWIN_PROXY; then
      echo ":: $host_port"
    fi
  elif [[ $host_ip == *:* ]] && ! $TWIN_PROXY; then
    return 0
  else
    echo "$host_ip $host_port"
  fi
}

# "dockerd": port_holder takes every published host port (drop-all filter),
# starts a docker-proxy for each when the proxy is on, then execs the fake
# engine, which serves $TWIN_DIR/answers on $TWIN_SOCK.
_twin_start_dockerd() {
  local name spec cport proto hold=() ip port log=$TWIN_DIR/dockerd.log line pid
  for name in "${TWIN_CTRS[@]}"; do
    for spec in ${CTR_PUBLISH[$name]}; do
      proto=tcp
      [[ $spec == */udp ]] && proto=udp
      cport=${spec%/*}
      cport=${cport##*:}
      while read -r ip port; do
        [[ -n $ip && $port != - ]] || continue
        if [[ $ip == *:* ]]; then ip="[$ip]"; fi
        hold+=(--hold "$proto:$ip:$port:${CTR_IP[$name]}:$cport")
      done < <(_twin_bindings "$name" "$spec")
    done
  done
  local args=("$TWIN_BIN/sbin/dockerd")
  if $TWIN_PROXY; then
    args+=(--proxy "$TWIN_BIN/sbin/docker-proxy")
  elif [[ $TWIN_VERSION == 28 ]]; then
    args+=(--backlog 0)  # 28's nat port mapper: listen(fd, 0) with no proxy
  fi
  args+=("${hold[@]}" -- "$TWIN_BIN/engine/dockerd" -H "unix://$TWIN_SOCK"
         --answers "$TWIN_DIR/answers" --api-version "$TWIN_API" --min-api-version "$TWIN_MIN_API")
  nsenter --net="/run/netns/$TWIN_HOST" -- "${args[@]}" </dev/null >"$log" 2>&1 &
  TWIN_DOCKERD_PID=$!
  _twin_kill_at_exit "$TWIN_DOCKERD_PID"
  _wait_log_line "$log" '^serving ' "$TWIN_DOCKERD_PID" ||
    fail "the twin's dockerd did not start: $(cat "$log")"
  TWIN_PROXY_PIDS=()
  while read -r line; do
    pid=${line#proxy }
    pid=${pid%% *}
    TWIN_PROXY_PIDS+=("$pid")
    _twin_kill_at_exit "$pid"
  done < <(grep '^proxy ' "$log" || true)
  log "twin dockerd pid $TWIN_DOCKERD_PID: $(grep -E '^(proxy|holding) ' "$log" | tr '\n' ';' || true)"
}

# --- the Engine API answers -------------------------------------------------

_twin_write_answers() {
  local dir=$TWIN_DIR/answers name network
  printf '%s\n' "Api-Version: $TWIN_API" "Docker-Experimental: false" "Ostype: linux" \
    "Server: Docker/$TWIN_ENGINE_VERSION (linux)" >"$dir/_headers"
  printf '%s\n' "Builder-Version: 2" "Cache-Control: no-cache, no-store, must-revalidate" \
    "Pragma: no-cache" "Swarm: inactive" >"$dir/_ping.headers"
  _twin_version_json >"$dir/version.json"
  _twin_info_json false >"$dir/info.json"
  _twin_info_json true >"$dir/info@1.49.json"

  local list=() inspect
  for name in "${TWIN_CTRS[@]}"; do
    inspect=$(_twin_inspect_json "$name")
    # API 1.52 (Docker 29) dropped the top-level NetworkSettings fields of
    # the default bridge (IPAddress, Gateway, MacAddress, ...).
    if [[ $TWIN_VERSION == 29 ]]; then
      jq 'del(.NetworkSettings | .Bridge, .HairpinMode, .LinkLocalIPv6Address,
            .LinkLocalIPv6PrefixLen, .SecondaryIPAddresses, .SecondaryIPv6Addresses,
            .EndpointID, .Gateway, .GlobalIPv6Address, .GlobalIPv6PrefixLen,
            .IPAddress, .IPPrefixLen, .IPv6Gateway, .MacAddress)' <<<"$inspect" \
        >"$dir/containers_${CTR_ID[$name]}_json@1.52.json"
    fi
    echo "$inspect" >"$dir/containers_${CTR_ID[$name]}_json.json"
    # By name and short id too, as dockerd resolves them.
    local file
    for file in "$dir/containers_${CTR_ID[$name]}_json"*; do
      cp "$file" "${file/${CTR_ID[$name]}/$name}"
      cp "$file" "${file/${CTR_ID[$name]}/${CTR_ID[$name]:0:12}}"
    done
    list+=("$(_twin_summary_json "$name")")
  done
  if [[ ${#list[@]} -gt 0 ]]; then
    printf '%s\n' "${list[@]}" | jq -s . >"$dir/containers_json__all_1.json"
  else
    echo '[]' >"$dir/containers_json__all_1.json"
  fi
  cp "$dir/containers_json__all_1.json" "$dir/containers_json.json"  # all are running

  local nets=() one
  for network in "${TWIN_NETS[@]}"; do
    one=$(_twin_network_json "$network")
    echo "$one" >"$dir/networks_${NET_ID[$network]}.json"
    echo "$one" >"$dir/networks_$network.json"
    # GET /networks leaves Containers empty (API 1.28 and later).
    nets+=("$(jq -c '.Containers = {}' <<<"$one")")
  done
  printf '%s\n' "${nets[@]}" | jq -s . >"$dir/networks.json"
}

_twin_version_json() {
  local kernel
  kernel=$(uname -r)
  jq -n --arg v "$TWIN_ENGINE_VERSION" --arg api "$TWIN_API" --arg min "$TWIN_MIN_API" \
    --arg git "$TWIN_GIT_COMMIT" --arg go "$TWIN_GO" --arg kernel "$kernel" '{
    Platform: {Name: "Docker Engine - Community"},
    Components: [
      {Name: "Engine", Version: $v, Details: {ApiVersion: $api, Arch: "amd64",
        BuildTime: "2026-10-30T10:12:44.000000000+00:00", Experimental: "false",
        GitCommit: $git, GoVersion: $go, KernelVersion: $kernel, MinAPIVersion: $min, Os: "linux"}},
      {Name: "containerd", Version: "v2.1.5", Details: {GitCommit: "fcd43222d6b07379a4be9786bda52438f0dd16a1"}},
      {Name: "runc", Version: "1.3.3", Details: {GitCommit: "v1.3.3-0-gd842d771"}},
      {Name: "docker-init", Version: "0.19.0", Details: {GitCommit: "de40ad0"}}],
    Version: $v, ApiVersion: $api, MinAPIVersion: $min, GitCommit: $git, GoVersion: $go,
    Os: "linux", Arch: "amd64", KernelVersion: $kernel,
    BuildTime: "2026-10-30T10:12:44.000000000+00:00"}'
}

# GET /info; with FirewallBackend (API 1.49 and later) when $1 is true.
_twin_info_json() {
  local with_backend=$1 forward bridge_nf=true
  forward=$(_twin_in "$TWIN_HOST" cat /proc/sys/net/ipv4/ip_forward)
  jq -n --arg v "$TWIN_ENGINE_VERSION" --arg kernel "$(uname -r)" \
    --argjson count "${#TWIN_CTRS[@]}" --argjson forward "$([[ $forward == 1 ]] && echo true || echo false)" \
    --argjson nf "$bridge_nf" --arg backend "$TWIN_BACKEND" --argjson with "$with_backend" '{
    ID: "b3a1c2d4-6f1e-4c1a-9a7e-twin00000000", Containers: $count, ContainersRunning: $count,
    ContainersPaused: 0, ContainersStopped: 0, Images: 1, Driver: "overlayfs",
    DriverStatus: [["driver-type", "io.containerd.snapshotter.v1"]],
    Plugins: {Volume: ["local"], Network: ["bridge", "host", "ipvlan", "macvlan", "null", "overlay"],
              Authorization: null, Log: ["awslogs", "fluentd", "gcplogs", "gelf", "journald",
              "json-file", "local", "splunk", "syslog"]},
    MemoryLimit: true, SwapLimit: true, CpuCfsPeriod: true, CpuCfsQuota: true, CPUShares: true,
    CPUSet: true, PidsLimit: true, IPv4Forwarding: $forward, Debug: false, NFd: 40,
    OomKillDisable: false, NGoroutines: 60, SystemTime: (now | todate), LoggingDriver: "json-file",
    CgroupDriver: "systemd", CgroupVersion: "2", NEventsListener: 0, KernelVersion: $kernel,
    OperatingSystem: "Debian GNU/Linux 12 (bookworm)", OSVersion: "12", OSType: "linux",
    Architecture: "x86_64", IndexServerAddress: "https://index.docker.io/v1/", NCPU: 2,
    MemTotal: 8000000000, DockerRootDir: "/var/lib/docker", HttpProxy: "", HttpsProxy: "",
    NoProxy: "", Name: "twin", Labels: [], ExperimentalBuild: false, ServerVersion: $v,
    Runtimes: {runc: {path: "runc"}}, DefaultRuntime: "runc",
    Swarm: {NodeID: "", NodeAddr: "", LocalNodeState: "inactive", ControlAvailable: false,
            Error: "", RemoteManagers: null},
    LiveRestoreEnabled: false, Isolation: "", InitBinary: "docker-init",
    SecurityOptions: ["name=seccomp,profile=builtin", "name=cgroupns"],
    Warnings: (if $forward then null else ["WARNING: IPv4 forwarding is disabled"] end)}
    + (if $with then {FirewallBackend: {Driver: $backend}} else {} end)'
}

# The container's ports: HostConfig.PortBindings (what -p asked), Ports (what
# Docker made), ExposedPorts, and the summary's Ports list, as JSON.
_twin_ports_json() {
  local name=$1 spec key host_ip host_port requested=() actual=() ip port
  for spec in ${CTR_PUBLISH[$name]}; do
    local proto=tcp rest=$spec
    [[ $spec == */* ]] && proto=${spec##*/} && rest=${spec%/*}
    key=${rest##*:}/$proto
    host_ip=""
    if [[ $rest =~ ^(.*):([0-9]+):([0-9]+)$ ]]; then
      host_ip=${BASH_REMATCH[1]}
      host_port=${BASH_REMATCH[2]}
    else
      host_port=${rest%%:*}
    fi
    requested+=("$(jq -nc --arg k "$key" --arg ip "$host_ip" --arg p "$host_port" \
      '{key: $k, value: {HostIp: $ip, HostPort: $p}}')")
    local any=false
    while read -r ip port; do
      [[ -n $ip ]] || continue
      any=true
      if [[ $port == - ]]; then port=""; fi
      actual+=("$(jq -nc --arg k "$key" --arg ip "$ip" --arg p "$port" \
        '{key: $k, value: {HostIp: $ip, HostPort: $p}}')")
    done < <(_twin_bindings "$name" "$spec")
    if ! $any; then
      actual+=("$(jq -nc --arg k "$key" '{key: $k, value: null}')")
    fi
  done
  {
    printf '%s\n' "${requested[@]}" | jq -sc 'group_by(.key) | map({key: .[0].key, value: map(.value)}) | from_entries'
    printf '%s\n' "${actual[@]}" | jq -sc 'group_by(.key) | map({key: .[0].key,
        value: (map(.value) | map(select(. != null)) | if length == 0 then null else . end)}) | from_entries'
  } | jq -sc '{PortBindings: .[0], Ports: .[1],
      ExposedPorts: (.[0] | with_entries(.value = {})),
      List: [.[1] | to_entries[] | (.key | split("/")) as [$p, $t] |
             if .value == null then {PrivatePort: ($p | tonumber), Type: $t}
             else .value[] | {IP: .HostIp, PrivatePort: ($p | tonumber), Type: $t}
                  + (if .HostPort == "" then {} else {PublicPort: (.HostPort | tonumber)} end) end]}'
}

_twin_endpoint_json() {
  local name=$1 network=${CTR_NET[$1]} gateway
  gateway=${NET_GW[$network]}
  [[ ${NET_INTERNAL[$network]} == true ]] && gateway=""
  jq -nc --arg net "${NET_ID[$network]}" --arg ep "${CTR_EP[$name]}" --arg gw "$gateway" \
    --arg ip "${CTR_IP[$name]}" --argjson len "${NET_SUBNET[$network]#*/}" \
    --arg mac "${CTR_MAC[$name]}" --arg name "$name" --arg short "${CTR_ID[$name]:0:12}" \
    --argjson default "$([[ $network == bridge ]] && echo true || echo false)" '{
    IPAMConfig: null, Links: null, Aliases: null, MacAddress: $mac, DriverOpts: null,
    GwPriority: 0, NetworkID: $net, EndpointID: $ep, Gateway: $gw, IPAddress: $ip,
    IPPrefixLen: $len, IPv6Gateway: "", GlobalIPv6Address: "", GlobalIPv6PrefixLen: 0,
    DNSNames: (if $default then null else [$name, $short] end)}'
}

# GET /containers/{id}/json, API 1.51 shape (1.52 drops some fields, above).
_twin_inspect_json() {
  local name=$1 network=${CTR_NET[$1]} ports endpoint cmd dir
  ports=$(_twin_ports_json "$name")
  endpoint=$(_twin_endpoint_json "$name")
  dir=$TWIN_DIR/containers/${CTR_ID[$name]}
  if [[ -n ${CTR_SERVE[$name]} ]]; then
    # shellcheck disable=SC2086
    cmd=$(printf '%s\n' ${CTR_SERVE[$name]} | jq -Rsc 'split("\n") | map(select(. != ""))')
  else
    cmd='["sleep","infinity"]'
  fi
  jq -n --arg id "${CTR_ID[$name]}" --arg name "/$name" --arg created "${CTR_CREATED[$name]}" \
    --argjson pid "${CTR_PID[$name]}" --arg dir "$dir" --argjson ports "$ports" \
    --arg network "$network" --argjson endpoint "$endpoint" --argjson cmd "$cmd" \
    --arg sandbox "${CTR_SANDBOX[$name]}" --arg key "/run/netns/${CTR_NS[$name]}" \
    --arg entry "$([[ -n ${CTR_SERVE[$name]} ]] && echo /server || echo /bin/busybox)" '{
    Id: $id, Created: $created, Path: $entry, Args: $cmd,
    State: {Status: "running", Running: true, Paused: false, Restarting: false, OOMKilled: false,
            Dead: false, Pid: $pid, ExitCode: 0, Error: "", StartedAt: $created,
            FinishedAt: "0001-01-01T00:00:00Z"},
    Image: "sha256:7b5a6a3a1f1e0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d",
    ResolvConfPath: ($dir + "/resolv.conf"), HostnamePath: ($dir + "/hostname"),
    HostsPath: ($dir + "/hosts"), LogPath: ($dir + "/" + $id + "-json.log"),
    Name: $name, RestartCount: 0, Driver: "overlayfs", Platform: "linux", MountLabel: "",
    ProcessLabel: "", AppArmorProfile: "", ExecIDs: null,
    HostConfig: {Binds: null, ContainerIDFile: "", LogConfig: {Type: "json-file", Config: {}},
      NetworkMode: $network, PortBindings: $ports.PortBindings,
      RestartPolicy: {Name: "no", MaximumRetryCount: 0}, AutoRemove: false, VolumeDriver: "",
      VolumesFrom: null, ConsoleSize: [0, 0], CapAdd: null, CapDrop: null, CgroupnsMode: "private",
      Dns: [], DnsOptions: [], DnsSearch: [], ExtraHosts: null, GroupAdd: null, IpcMode: "private",
      Cgroup: "", Links: null, OomScoreAdj: 0, PidMode: "", Privileged: false,
      PublishAllPorts: false, ReadonlyRootfs: false, SecurityOpt: null, UTSMode: "",
      UsernsMode: "", ShmSize: 67108864, Runtime: "runc", Isolation: "", CpuShares: 0,
      Memory: 0, NanoCpus: 0, CgroupParent: "", BlkioWeight: 0, PidsLimit: null, Ulimits: [],
      MaskedPaths: ["/proc/asound", "/proc/acpi", "/proc/interrupts", "/proc/kcore",
                    "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
                    "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap"],
      ReadonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]},
    GraphDriver: {Data: null, Name: "overlayfs"}, Mounts: [],
    Config: {Hostname: ($id[0:12]), Domainname: "", User: "", AttachStdin: false,
      AttachStdout: false, AttachStderr: false, ExposedPorts: $ports.ExposedPorts, Tty: false,
      OpenStdin: false, StdinOnce: false,
      Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
      Cmd: $cmd, Image: "whyno-test:latest", Volumes: null, WorkingDir: "",
      Entrypoint: [$entry], Labels: {}},
    NetworkSettings: {Bridge: "", SandboxID: $sandbox, SandboxKey: $key, Ports: $ports.Ports,
      HairpinMode: false, LinkLocalIPv6Address: "", LinkLocalIPv6PrefixLen: 0,
      SecondaryIPAddresses: null, SecondaryIPv6Addresses: null, EndpointID: "", Gateway: "",
      GlobalIPv6Address: "", GlobalIPv6PrefixLen: 0, IPAddress: "", IPPrefixLen: 0,
      IPv6Gateway: "", MacAddress: "",
      Networks: {($network): $endpoint}}}'
}

# One item of GET /containers/json.
_twin_summary_json() {
  local name=$1 network=${CTR_NET[$1]} ports endpoint created
  ports=$(_twin_ports_json "$name")
  endpoint=$(_twin_endpoint_json "$name")
  created=$(date -u -d "${CTR_CREATED[$name]}" +%s)
  jq -nc --arg id "${CTR_ID[$name]}" --arg name "/$name" --argjson created "$created" \
    --argjson ports "$ports" --arg network "$network" --argjson endpoint "$endpoint" \
    --arg cmd "$([[ -n ${CTR_SERVE[$name]} ]] && echo "/server ${CTR_SERVE[$name]% }" || echo "sleep infinity")" '{
    Id: $id, Names: [$name], Image: "whyno-test:latest",
    ImageID: "sha256:7b5a6a3a1f1e0c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d",
    Command: $cmd, Created: $created, Ports: $ports.List, Labels: {}, State: "running",
    Status: "Up 2 seconds", HostConfig: {NetworkMode: $network},
    NetworkSettings: {Networks: {($network): $endpoint}}, Mounts: []}'
}

# GET /networks/{id}: Options exactly as `docker network create -o` gave them
# (Docker does not add its defaults to a user network's Options).
_twin_network_json() {
  local network=$1 name containers=() opts
  for name in "${TWIN_CTRS[@]}"; do
    [[ ${CTR_NET[$name]} == "$network" ]] || continue
    containers+=("$(jq -nc --arg id "${CTR_ID[$name]}" --arg name "$name" \
      --arg ep "${CTR_EP[$name]}" --arg mac "${CTR_MAC[$name]}" \
      --arg ip "${CTR_IP[$name]}/${NET_SUBNET[$network]#*/}" \
      '{key: $id, value: {Name: $name, EndpointID: $ep, MacAddress: $mac,
                          IPv4Address: $ip, IPv6Address: ""}}')")
  done
  opts=$(printf '%s' "${NET_OPTS[$network]}" | jq -Rsc 'split("\n") | map(select(. != "") |
           capture("^(?<key>[^=]+)=(?<value>.*)$")) | from_entries')
  printf '%s\n' "${containers[@]}" | jq -s --arg name "$network" --arg id "${NET_ID[$network]}" \
    --arg created "${NET_CREATED[$network]}" --arg subnet "${NET_SUBNET[$network]}" \
    --arg gw "${NET_GW[$network]}" --argjson internal "${NET_INTERNAL[$network]}" \
    --argjson opts "$opts" '{
    Name: $name, Id: $id, Created: $created, Scope: "local", Driver: "bridge",
    EnableIPv4: true, EnableIPv6: false,
    IPAM: {Driver: "default", Options: (if $name == "bridge" then null else {} end),
           Config: [{Subnet: $subnet, Gateway: $gw}]},
    Internal: $internal, Attachable: false, Ingress: false, ConfigFrom: {Network: ""},
    ConfigOnly: false, Containers: (map(select(. != null)) | from_entries),
    Options: $opts, Labels: {}}'
}

# --- running whyno-port in the twin ------------------------------------------

# What whyno-port promises not to change, in the twin's host namespace.
_twin_state() {
  local f
  echo "### nft -s list ruleset"
  _twin_in "$TWIN_HOST" nft -s list ruleset 2>&1 || true
  echo "### iptables-legacy-save"
  _twin_in "$TWIN_HOST" iptables-legacy-save 2>&1 | sed -E '/^#/d; s/ \[[0-9]+:[0-9]+\]$//' || true
  echo "### sysctls"
  _twin_in "$TWIN_HOST" sh -c 'for f in /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv4/conf/*/forwarding \
      /proc/sys/net/ipv4/conf/*/route_localnet /proc/sys/net/bridge/bridge-nf-call-iptables; do
      if [ -r "$f" ]; then echo "$f $(cat "$f")"; fi; done' || true
  echo "### links"
  ip -n "$TWIN_HOST" -o link show 2>&1 | awk -F': ' '{print $2}' || true
  echo "### routes"
  ip -n "$TWIN_HOST" route show 2>&1 || true
  echo "### processes"
  _twin_processes | sort
  echo "### daemon.json"
  cat "/etc/netns/$TWIN_HOST/docker/daemon.json" 2>/dev/null || true
}

# twin_whyno ARGS...: whyno-port inside the twin's host, with the fake
# engine; fails the case if it changed the twin. Sets WHYNO_STATUS,
# WHYNO_OUT, WHYNO_ERR and the files lib.sh's expect_* read.
twin_whyno() {
  WHYNO_COMMAND="whyno-port $*"
  local _
  for _ in $(seq 1 120); do
    if [[ -x $WHYNO_PORT ]]; then break; fi
    sleep 0.5  # being rebuilt
  done
  [[ -x $WHYNO_PORT ]] || fail "WHYNO_PORT must name the whyno-port binary (got '$WHYNO_PORT')"
  if [[ -n ${WHYNO_E2E_SAVE_FACTS:-} ]]; then
    _saved_runs=$((${_saved_runs:-0} + 1))
    set -- "$@" --save-facts "$WHYNO_E2E_SAVE_FACTS/${T%-*}-$_saved_runs.json"
  fi
  _twin_state >"$T_DIR/twin.before"
  _twin_runs=$((${_twin_runs:-0} + 1))
  WHYNO_STATUS=0
  timeout --kill-after=5 "$WHYNO_TIMEOUT" ip netns exec "$TWIN_HOST" \
    env DOCKER_HOST="unix://$TWIN_SOCK" "$WHYNO_PORT" "$@" \
    >"$T_DIR/whyno.out" 2>"$T_DIR/whyno.err" || WHYNO_STATUS=$?
  # shellcheck disable=SC2034
  WHYNO_OUT=$(<"$T_DIR/whyno.out")
  # shellcheck disable=SC2034
  WHYNO_ERR=$(<"$T_DIR/whyno.err")
  _twin_state >"$T_DIR/twin.after"
  local verdict summary
  verdict=$(jq -r '.verdict // empty' "$T_DIR/whyno.out" 2>/dev/null || true)
  summary=$(jq -r '.summary // empty' "$T_DIR/whyno.out" 2>/dev/null || true)
  log "ran (in $TWIN_HOST): $WHYNO_COMMAND: exit $WHYNO_STATUS, verdict ${verdict:-?}: ${summary:-$(head -c 300 "$T_DIR/whyno.err")}"
  if [[ $WHYNO_STATUS -eq 124 || $WHYNO_STATUS -eq 137 ]]; then
    fail_whyno "whyno-port did not finish within $WHYNO_TIMEOUT s"
  fi
  local changes
  if ! changes=$(diff -u "$T_DIR/twin.before" "$T_DIR/twin.after"); then
    fail_whyno "the twin's state changed while whyno-port ran:"$'\n'"$changes"
  fi
}

# expect_verdict VERDICT (lib.sh's, safe to go on after a failure).
expect_verdict() {
  local count verdict
  count=$(jq -s length "$T_DIR/whyno.out" 2>/dev/null) || count=""
  if [[ $count != 1 ]]; then
    fail_whyno "stdout holds ${count:-no valid} JSON value(s), expected one object (verdict '$1')"
    return 0
  fi
  verdict=$(jq -r .verdict "$T_DIR/whyno.out")
  if [[ $verdict != "$1" ]]; then
    fail_whyno "verdict '$verdict', expected '$1'"
  fi
}

# expect_text FILTER WORDS (lib.sh's, with a message that names WORDS):
# the string FILTER selects contains WORDS.
expect_text() {
  local got
  got=$(jq -r --arg t "$T" "($1) // \"\" | tostring | gsub(\$t; \"<T>\")" "$T_DIR/whyno.out" 2>/dev/null) ||
    { fail_whyno "stdout is not JSON"; return 0; }
  if [[ $got != *"${2//$T/<T>}"* ]]; then
    fail_whyno "$1 does not contain '$2' (it is: '$got')"
  fi
}

# twin_expect_fix_mentions WORDS: .fix (a string, or a list of strings)
# contains WORDS.
twin_expect_fix_mentions() {
  local got
  got=$(jq -r --arg t "$T" '(.fix // "") | if type == "array" then map(tostring) | join("\n") else tostring end
          | gsub($t; "<T>")' "$T_DIR/whyno.out" 2>/dev/null) || { fail_whyno "stdout is not JSON"; return 0; }
  if [[ $got != *"${1//$T/<T>}"* ]]; then
    fail_whyno ".fix does not mention '$1' (it is: '$got')"
  fi
}

# twin_expect_summary_any WORD...: .summary contains at least one WORD.
twin_expect_summary_any() {
  local got word
  got=$(jq -r --arg t "$T" '.summary // "" | gsub($t; "<T>")' "$T_DIR/whyno.out" 2>/dev/null) ||
    { fail_whyno "stdout is not JSON"; return 0; }
  for word in "$@"; do
    if [[ $got == *"${word//$T/<T>}"* ]]; then
      return 0
    fi
  done
  fail_whyno ".summary contains none of: $* (it is: '$got')"
}

# twin_listener_owner NETNS ADDR:PORT: the comm of the process that owns the
# TCP listener, from ss (a reality check on the twin itself).
twin_listener_owner() {
  _twin_in "$1" ss -Hltnp "sport = :${2##*:}" 2>/dev/null |
    awk -v want="$2" '$4 == want { match($0, /users:\(\("[^"]+"/); print substr($0, RSTART + 9, RLENGTH - 10) }' |
    head -1
}

# --- the cases, shared by twin_docker29_iptables.sh, twin_docker29_nftables.sh
# and twin_docker28_iptables.sh ----------------------------------------------
# Each builds the twin from one upstream file, proves what a real client gets
# (curl), then asks whyno-port. VERSION is 29 or 28, BACKEND iptables or
# nftables.

# The bridge1 network of the usernet-* files, with the options their
# `docker network create` gives.
_twin_bridge1() {
  twin_network bridge1 bridge1 192.0.2.0/24 192.0.2.1 -o com.docker.network.bridge.name=bridge1 "$@"
}

# 1 and 2. usernet-portmap (-p 8080:80, proxy on): a remote client through
# DNAT, this host through docker-proxy (-use-listen-fd, the socket dockerd
# bound), and the remote client dialling the container's address directly,
# which Docker 28+ drops in raw PREROUTING ("DROP DIRECT ACCESS").
twin_case_portmap() {
  twin_case "usernet-portmap: remote client -> 203.0.113.1:8080"
  twin_layout "$1" "$2" usernet-portmap
  _twin_bridge1
  twin_container c1 bridge1 192.0.2.2 -p 8080:80 --serve tcp:0.0.0.0:80
  twin_up
  _twin_expect_proxy_owns 0.0.0.0:8080 "-proto tcp -host-ip 0.0.0.0 -host-port 8080 -container-ip 192.0.2.2 -container-port 80 -use-listen-fd"
  expect_netns_curl "$TWIN_REMOTE" 203.0.113.1:8080 0
  twin_whyno 203.0.113.1:8080 --from 203.0.113.2 --no-probe --json
  expect_verdict reachable
  expect_status 0
  expect_json '.container.name == $name' --arg name "$T-c1"

  twin_case "usernet-portmap: this host -> localhost:8080 via docker-proxy -use-listen-fd"
  expect_netns_curl "$TWIN_HOST" localhost:8080 0
  twin_whyno 8080 --json
  expect_verdict reachable
  expect_status 0
  # The path goes through the proxy (127.0.0.0/8 skips the OUTPUT DNAT).
  expect_json '[.path[] | (.hop + " " + (.detail // ""))] | any(test("docker-proxy"))'

  twin_case "usernet-portmap: remote client -> 192.0.2.2:80 directly (raw PREROUTING drop)"
  expect_netns_curl "$TWIN_REMOTE" 192.0.2.2:80 28
  twin_whyno 192.0.2.2:80 --from 203.0.113.2 --json
  expect_verdict firewall-blocked
  expect_status 1
  expect_text .summary "Docker"
  expect_text .summary "direct"
  twin_expect_fix_mentions "published port"
  twin_expect_fix_mentions "routed"
}

# 3. usernet-portmap-lo (-p 127.0.0.1:8080:80): the remote client dials the
# host's address, where nothing is published (refused); this host still gets
# through 127.0.0.1.
twin_case_portmap_lo() {
  twin_case "usernet-portmap-lo: remote client -> 203.0.113.1:8080, published on 127.0.0.1 only"
  twin_layout "$1" "$2" usernet-portmap-lo
  _twin_bridge1
  twin_container c1 bridge1 192.0.2.2 -p 127.0.0.1:8080:80 --serve tcp:0.0.0.0:80
  twin_up
  expect_netns_curl "$TWIN_REMOTE" 203.0.113.1:8080 7
  twin_whyno 203.0.113.1:8080 --from 203.0.113.2 --json
  expect_verdict host-address-mismatch
  expect_status 1
  expect_text .summary "127.0.0.1"

  twin_case "usernet-portmap-lo: this host -> 127.0.0.1:8080"
  expect_netns_curl "$TWIN_HOST" 127.0.0.1:8080 0
  twin_whyno 127.0.0.1:8080 --json
  expect_verdict reachable
  expect_status 0
}

# 4. usernet-portmap-routed (gateway_mode_ipv4=routed, proxy off as in the
# file): the container's published port is open to routed traffic, an
# unpublished one is dropped ("UNPUBLISHED PORT DROP" / `! -i br -o br -j DROP`).
twin_case_routed() {
  twin_case "usernet-portmap-routed: remote client -> 192.0.2.2:80 (published, routed)"
  twin_layout "$1" "$2" usernet-portmap-routed --no-proxy
  _twin_bridge1 -o com.docker.network.bridge.gateway_mode_ipv4=routed
  twin_container c1 bridge1 192.0.2.2 -p 8080:80 --serve tcp:0.0.0.0:80 --serve tcp:0.0.0.0:81
  twin_up
  expect_netns_curl "$TWIN_REMOTE" 192.0.2.2:80 0
  twin_whyno 192.0.2.2:80 --from 203.0.113.2 --json
  expect_verdict reachable
  expect_status 0

  twin_case "usernet-portmap-routed: remote client -> 192.0.2.2:81 (listening, not published)"
  expect_netns_curl "$TWIN_REMOTE" 192.0.2.2:81 28
  twin_whyno 192.0.2.2:81 --from 203.0.113.2 --json
  expect_verdict firewall-blocked
  expect_status 1
  expect_text .summary "not published"
  twin_expect_fix_mentions "-p"
}

# 5. usernet-portmap-natunprot (gateway_mode_ipv4=nat-unprotected): no raw
# drop and a default ACCEPT, so every container port is open to routed traffic.
twin_case_natunprot() {
  twin_case "usernet-portmap-natunprot: remote client -> 192.0.2.2:81 directly"
  twin_layout "$1" "$2" usernet-portmap-natunprot
  _twin_bridge1 -o com.docker.network.bridge.gateway_mode_ipv4=nat-unprotected
  twin_container c1 bridge1 192.0.2.2 -p 8080:80 --serve tcp:0.0.0.0:80 --serve tcp:0.0.0.0:81
  twin_up
  expect_netns_curl "$TWIN_REMOTE" 192.0.2.2:81 0
  twin_whyno 192.0.2.2:81 --from 203.0.113.2 --json
  expect_verdict reachable
  expect_status 0
}

# 6. usernet-portmap-noicc (enable_icc=false): a second container on the
# same bridge dials c1 and is dropped (bridged traffic, br_netfilter).
twin_case_noicc() {
  twin_case "usernet-portmap-noicc: container c2 -> 192.0.2.2:80 on the same bridge"
  twin_layout "$1" "$2" usernet-portmap-noicc
  _twin_bridge1 -o com.docker.network.bridge.enable_icc=false
  twin_container c1 bridge1 192.0.2.2 -p 8080:80 --serve tcp:0.0.0.0:80
  twin_container c2 bridge1 192.0.2.3
  twin_up
  expect_netns_curl "$TWIN_REMOTE" 203.0.113.1:8080 0  # the published port is not affected
  expect_netns_curl "${CTR_NS[$T-c2]}" 192.0.2.2:80 28
  twin_whyno 192.0.2.2:80 --from "$T-c2" --json
  expect_verdict firewall-blocked
  expect_status 1
  twin_expect_summary_any ICC inter-container
  twin_expect_fix_mentions "enable_icc"
}

# 7. usernet-internal (--internal): -p is ignored (no rules, no proxy, no
# held port), so localhost:8080 is refused; a container on the same
# internal network reaches c1. The file's two networks are both made:
# bridgeICC (c1, c2) and bridgeNoICC (c3). The file's command says
# enable_icc=true for bridgeNoICC, but its rules are those of ICC off (the
# name's meaning), so the engine reports "false".
twin_case_internal() {
  twin_case "usernet-internal: this host -> localhost:8080 (published on an --internal network)"
  twin_layout "$1" "$2" usernet-internal
  twin_network bridgeICC bridgeICC 192.0.2.0/24 192.0.2.1 --internal \
    -o com.docker.network.bridge.name=bridgeICC
  twin_network bridgeNoICC bridgeNoICC 198.51.100.0/24 198.51.100.1 --internal \
    -o com.docker.network.bridge.name=bridgeNoICC -o com.docker.network.bridge.enable_icc=false
  twin_container c1 bridgeICC 192.0.2.2 -p 8080:80 --serve tcp:0.0.0.0:80
  twin_container c2 bridgeICC 192.0.2.3
  twin_container c3 bridgeNoICC 198.51.100.2
  twin_up
  expect_netns_curl "$TWIN_HOST" localhost:8080 7
  twin_whyno 8080 --json
  expect_verdict internal-network
  expect_status 1
  expect_text .summary "internal"

  twin_case "usernet-internal: container c2 -> 192.0.2.2:80 on the same internal network"
  expect_netns_curl "${CTR_NS[$T-c2]}" 192.0.2.2:80 0
  twin_whyno 192.0.2.2:80 --from "$T-c2" --json
  expect_verdict reachable
  expect_status 0
}

# 8. nftables only: a leftover iptables(-nft) FORWARD policy DROP in table
# ip filter drops what ip docker-bridges accepted (an accept is final only
# in its own base chain).
twin_case_nft_forward_drop() {
  twin_case "nftables + iptables FORWARD policy DROP: remote client -> 203.0.113.1:8080"
  twin_layout 29 nftables usernet-portmap
  _twin_bridge1
  twin_container c1 bridge1 192.0.2.2 -p 8080:80 --serve tcp:0.0.0.0:80
  twin_up
  expect_netns_curl "$TWIN_REMOTE" 203.0.113.1:8080 0
  _twin_in "$TWIN_HOST" iptables-nft -P FORWARD DROP
  expect_netns_curl "$TWIN_REMOTE" 203.0.113.1:8080 28
  twin_whyno 203.0.113.1:8080 --from 203.0.113.2 --no-probe --json
  expect_verdict firewall-blocked
  expect_status 1
  expect_text .summary "docker-bridges"
  expect_text .summary "FORWARD"
}

# 9. Docker 28+ port ownership with userland-proxy: false (usernet-portmap-
# noproxy): dockerd holds 0.0.0.0:8080 with a drop-all BPF filter and no
# docker-proxy runs; everything goes through DNAT, 127.0.0.1 too
# (route_localnet=1). That socket is Docker's own, not a conflict.
twin_case_noproxy() {
  twin_case "usernet-portmap-noproxy: this host -> localhost:8080, dockerd holds the port"
  twin_layout "$1" "$2" usernet-portmap-noproxy --no-proxy
  _twin_bridge1
  twin_container c1 bridge1 192.0.2.2 -p 8080:80 --serve tcp:0.0.0.0:80
  twin_up
  _twin_expect_dockerd_holds 0.0.0.0:8080
  expect_netns_curl "$TWIN_HOST" localhost:8080 0
  twin_whyno 8080 --json
  expect_verdict reachable
  expect_status 0

  twin_case "usernet-portmap-noproxy: remote client -> 203.0.113.1:8080"
  expect_netns_curl "$TWIN_REMOTE" 203.0.113.1:8080 0
  twin_whyno 203.0.113.1:8080 --from 203.0.113.2 --no-probe --json
  expect_verdict reachable
  expect_status 0
}

# Reality checks on the twin itself (they stop the script: the twin is wrong).
_twin_expect_proxy_owns() {
  local want=$1 argv=$2 owner pid
  owner=$(twin_listener_owner "$TWIN_HOST" "$want")
  [[ $owner == docker-proxy ]] || fail "twin: $want is owned by '${owner:-nobody}', not docker-proxy"
  for pid in "${TWIN_PROXY_PIDS[@]}"; do
    if [[ $(tr '\0' ' ' <"/proc/$pid/cmdline") == "$TWIN_BIN/sbin/docker-proxy $argv " ]]; then
      [[ $(awk '{print $4}' "/proc/$pid/stat") == "$TWIN_DOCKERD_PID" ]] ||
        fail "twin: docker-proxy $pid is not dockerd's child"
      log "reality: $want is docker-proxy's (pid $pid, child of dockerd $TWIN_DOCKERD_PID): $argv"
      return 0
    fi
  done
  fail "twin: no docker-proxy runs with '$argv'"
}

_twin_expect_dockerd_holds() {
  local want=$1 owner
  owner=$(twin_listener_owner "$TWIN_HOST" "$want")
  [[ $owner == dockerd ]] || fail "twin: $want is owned by '${owner:-nobody}', not dockerd"
  [[ ${#TWIN_PROXY_PIDS[@]} -eq 0 ]] || fail "twin: docker-proxy runs without the userland proxy"
  log "reality: $want is held by dockerd (pid $TWIN_DOCKERD_PID) with a drop-all filter; no docker-proxy"
}
