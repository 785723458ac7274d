# shellcheck shell=bash
# Sourced by every end-to-end scenario (tests/e2e/<verdict>_<case>.sh).
#
# A scenario reproduces one failure from the seed notes for real (dockerd,
# the static programs in tests/programs/), proves with curl or the client
# program that the failure is real, then asks whyno-port and asserts the
# verdict, the exit status and that host state did not change.
#
# Environment (set by tests/CMakeLists.txt):
#   WHYNO_PORT               the whyno-port binary under test
#   WHYNO_TEST_PROGRAMS_DIR  where tests/programs/build.sh puts the binaries
# Optional, for machines where the seed's ports are taken:
#   WHYNO_E2E_HOST_PORT (8080), WHYNO_E2E_OTHER_HOST_PORT (8000)
#
# Exit status: 0 pass, 1 fail, 125 skipped (not root).
#
# A scenario may change the host outside Docker (a rule, a per-interface
# sysctl, a veth, a process) only through the helpers below that register an
# undo with on_exit, and only before run_whyno: the snapshot around
# run_whyno proves whyno-port itself changes nothing.

set -Eeuo pipefail
# One stream, so ctest shows harness lines, failures and tool output in order.
exec 1>&2

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$E2E_DIR/../.." && pwd)
# shellcheck source=lib_dockerd.sh
source "$E2E_DIR/lib_dockerd.sh"

TEST_NAME=$(basename "$0" .sh)
# Unique per run: names show up in whyno-port's output and must not collide
# with a leftover of an earlier run or a concurrent one.
T=wt-${TEST_NAME//_/-}-$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
IMAGE=whyno-test:latest
HOST_PORT=${WHYNO_E2E_HOST_PORT:-8080}
OTHER_HOST_PORT=${WHYNO_E2E_OTHER_HOST_PORT:-8000}
PROGRAMS_DIR=${WHYNO_TEST_PROGRAMS_DIR:-${TMPDIR:-/tmp}/whyno-test-programs}
WHYNO_TIMEOUT=20
T_DIR=$(mktemp -d "${TMPDIR:-/tmp}/$T.XXXXXX")

# Everything this test creates carries these labels, so a run killed before
# its EXIT trap can be swept by the next one (see _sweep_stale).
_label_test=org.whyno-port.test
_label_pid=org.whyno-port.test.pid
_labels=(--label "$_label_test=$T" --label "$_label_pid=$$")
_containers=()
_networks=()
# Undo commands for host changes (netns, veths, rules, sysctls, processes),
# one per line, run last-first at exit. A file, not an array: helpers called
# in $(...) register too, and a run killed with SIGKILL is undone by the next
# run's _sweep_stale.
_undo_dir=/run/whyno-e2e
_undo_file=$_undo_dir/$$.undo

log() {
  echo "e2e[$TEST_NAME]: $*" >&2
}

fail() {
  echo "FAIL: $TEST_NAME: $*" >&2
  exit 1
}

_cleanup() {
  local status=$?
  set +e
  trap - ERR
  local c n
  _run_undo "$_undo_file"
  for c in "${_containers[@]}"; do
    docker rm -f -v "$c" >/dev/null 2>&1
  done
  for n in "${_networks[@]}"; do
    docker network rm "$n" >/dev/null 2>&1
  done
  rm -rf "$T_DIR"
  case $status in
    0) echo "PASS: $TEST_NAME" ;;
    125) ;;
    *) echo "FAIL: $TEST_NAME (exit status $status)" >&2 ;;
  esac
  exit "$status"
}
trap _cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'echo "e2e[$TEST_NAME]: line $LINENO failed: $BASH_COMMAND" >&2' ERR

_need_tools() {
  local tool package missing=()
  for tool in docker dockerd musl-gcc jq curl nft iptables-legacy-save ip6tables-legacy-save \
              iptables ip ss setpriv setsid nsenter flock timeout; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      case $tool in
        docker | dockerd) package=docker.io ;;
        musl-gcc) package=musl-tools ;;
        nft) package=nftables ;;
        iptables | iptables-legacy-save | ip6tables-legacy-save) package=iptables ;;
        ip | ss) package=iproute2 ;;
        setpriv | setsid | nsenter | flock) package=util-linux ;;
        timeout) package=coreutils ;;
        *) package=$tool ;;
      esac
      missing+=("$tool ($package)")
    fi
  done
  if [[ ${#missing[@]} -gt 0 ]]; then
    fail "missing tools: ${missing[*]}; ./quickstart test installs them"
  fi
}

# need_tools_or_install TOOL PACKAGE: a tool one scenario needs; installed
# from Debian when missing (./quickstart test installs it beforehand).
need_tools_or_install() {
  local tool=$1 package=$2
  if command -v "$tool" >/dev/null 2>&1; then
    return 0
  fi
  log "installing $package for $tool"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$package" >/dev/null 2>&1 ||
    fail "missing $tool and could not install $package; ./quickstart test installs it"
}

# on_exit COMMAND [ARGS...]: runs COMMAND when the test exits, however it
# exits; for every change a scenario makes to the host outside Docker.
on_exit() {
  mkdir -p "$_undo_dir"
  printf '%q ' "$@" >>"$_undo_file"
  echo >>"$_undo_file"
}

_run_undo() {
  local file=$1 line
  [[ -f $file ]] || return 0
  while IFS= read -r line; do
    eval "$line" >/dev/null 2>&1 || true
  done < <(tac "$file")
  rm -f "$file"
}

# Removes containers and networks of earlier runs whose test process is gone.
_sweep_stale() {
  local id pid file
  for file in "$_undo_dir"/*.undo; do
    pid=$(basename "$file" .undo)
    if [[ -f $file && $pid != "$$" ]] && ! kill -0 "$pid" 2>/dev/null; then
      log "undoing host changes left by a killed run ($file)"
      _run_undo "$file"
    fi
  done
  while read -r id pid; do
    if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
      docker rm -f -v "$id" >/dev/null 2>&1 || true
    fi
  done < <(docker ps -a --filter "label=$_label_pid" \
             --format "{{.ID}} {{.Label \"$_label_pid\"}}")
  while read -r id pid; do
    if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
      docker network rm "$id" >/dev/null 2>&1 || true
    fi
  done < <(docker network ls --filter "label=$_label_pid" \
             --format "{{.ID}} {{.Label \"$_label_pid\"}}")
}

# A host port the scenario publishes or asks about must be ours alone, or
# the verdict would describe somebody else's container.
need_free_host_ports() {
  local port
  for port in "$@"; do
    if [[ -n $(ss -Hltn "sport = :$port") ]] || [[ -n $(docker ps -q --filter "publish=$port") ]]; then
      fail "host port $port is in use here; free it or set WHYNO_E2E_HOST_PORT /" \
           "WHYNO_E2E_OTHER_HOST_PORT to free ports"
    fi
  done
}

# Every scenario starts with this. e2e tests must run (as root, in CI), not
# vanish: without root the test reports a skip (125) with the reason.
require_root_and_docker() {
  if [[ $(id -u) -ne 0 ]]; then
    echo "SKIP: $TEST_NAME needs root (dockerd, nft, and whyno-port reading" \
         "other network namespaces); run ctest as root or ./quickstart test"
    exit 125
  fi
  _need_tools
  if [[ -z ${WHYNO_PORT:-} || ! -x $WHYNO_PORT ]]; then
    fail "WHYNO_PORT must name the whyno-port binary (got '${WHYNO_PORT:-}')"
  fi
  ensure_dockerd || fail "no Docker daemon"
  "$REPO_DIR/tests/programs/build.sh" "$PROGRAMS_DIR" || fail "could not build the test programs"
  _sweep_stale
  need_free_host_ports "$HOST_PORT" "$OTHER_HOST_PORT"
  log "names: $T-*, whyno-port: $WHYNO_PORT"
}

# --- building the scenario --------------------------------------------------

# create_network NAME [docker network create options...]
create_network() {
  local name=$1
  shift
  _networks+=("$name")
  docker network create "${_labels[@]}" "$@" "$name" >/dev/null
}

# start_server NAME [docker run options...] [-- server arguments...]
# Returns once the server printed "listening" for every SPEC it was given.
start_server() {
  local name=$1 arg
  shift
  local docker_args=()
  while [[ $# -gt 0 && $1 != -- ]]; do
    docker_args+=("$1")
    shift
  done
  if [[ $# -gt 0 ]]; then
    shift
  fi
  _containers+=("$name")
  docker run -d --name "$name" "${_labels[@]}" "${docker_args[@]}" "$IMAGE" "$@" >/dev/null
  for arg in "$@"; do
    if [[ $arg =~ ^(tcp|udp):.*:([0-9]+)$ ]]; then
      wait_listening "$name" "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
    fi
  done
}

# run_container NAME [docker run options...] IMAGE [ARGS...]: docker run -d
# as given, without waiting for anything; its exit status is docker's, its
# output docker's stderr. For containers that must fail to start.
run_container() {
  local name=$1
  shift
  _containers+=("$name")
  docker run -d --name "$name" "${_labels[@]}" "$@" >/dev/null
}

# container_state NAME: "status exit-code restarting restart-count".
container_state() {
  docker inspect -f '{{.State.Status}} {{.State.ExitCode}} {{.State.Restarting}} {{.RestartCount}}' "$1"
}

# start_client NAME [docker run options...]: a long-running container to dial from.
start_client() {
  local name=$1
  shift
  _containers+=("$name")
  docker run -d --name "$name" "${_labels[@]}" "$@" --entrypoint /bin/busybox "$IMAGE" \
    sleep 3600 >/dev/null
}

# start_exited NAME [docker run options...]: a container that ran and stopped.
start_exited() {
  local name=$1
  shift
  _containers+=("$name")
  docker run --name "$name" "${_labels[@]}" "$@" --entrypoint /bin/busybox "$IMAGE" true
}

# create_netns SUFFIX: a scratch network namespace named $T-SUFFIX, deleted at exit.
create_netns() {
  local name=$T-$1
  on_exit ip netns delete "$name"
  ip netns add "$name"
  echo "$name"
}

# create_veth_netns SUFFIX LETTER HOST_CIDR NS_CIDR: a namespace $T-SUFFIX
# (what a runtime without an engine leaves: ip netns, a pod) joined to the
# host by a veth pair, wt<tag>LETTER on the host with HOST_CIDR and eth0
# inside with NS_CIDR; deleted at exit. Prints the namespace's name.
create_veth_netns() {
  local name host_if
  name=$(create_netns "$1")
  host_if=wt${T##*-}$2
  on_exit ip link delete "$host_if"
  ip link add "$host_if" type veth peer name eth0 netns "$name"
  ip addr add "$3" dev "$host_if"
  ip link set "$host_if" up
  ip -n "$name" link set lo up
  ip -n "$name" addr add "$4" dev eth0
  ip -n "$name" link set eth0 up
  echo "$name"
}

# Another machine on a link of its own: documentation addresses only
# (RFC 5737 TEST-NET-2), never an outside one.
REMOTE_HOST_ADDR=198.51.100.1
REMOTE_CLIENT_ADDR=198.51.100.2

# create_remote_client SUFFIX: a client namespace $T-SUFFIX joined to the
# host by a veth pair, $REMOTE_HOST_ADDR/24 on the host side and
# $REMOTE_CLIENT_ADDR/24 on the client side, default route via the host.
# Sets REMOTE_NS and REMOTE_HOST_IF (the host-side veth).
create_remote_client() {
  local tag
  if ip -o addr show | grep -q " $REMOTE_HOST_ADDR/"; then
    fail "$REMOTE_HOST_ADDR is already on a host interface; a leftover of another run?"
  fi
  REMOTE_NS=$(create_netns "$1")
  tag=${T##*-}
  REMOTE_HOST_IF=wt${tag}h
  # Deleting the namespace deletes the pair; this covers a failure in between.
  on_exit ip link delete "$REMOTE_HOST_IF"
  ip link add "$REMOTE_HOST_IF" type veth peer name "wt${tag}c" netns "$REMOTE_NS"
  ip addr add "$REMOTE_HOST_ADDR/24" dev "$REMOTE_HOST_IF"
  ip link set "$REMOTE_HOST_IF" up
  ip -n "$REMOTE_NS" link set lo up
  ip -n "$REMOTE_NS" addr add "$REMOTE_CLIENT_ADDR/24" dev "wt${tag}c"
  ip -n "$REMOTE_NS" link set "wt${tag}c" up
  ip -n "$REMOTE_NS" route add default via "$REMOTE_HOST_ADDR"
}

# add_iptables_rule CHAIN RULE...: inserts RULE first in CHAIN of the filter
# table with the iptables Docker itself uses, tagged with a comment naming
# the test; deleted at exit.
add_iptables_rule() {
  local chain=$1
  shift
  local rule=("$@" -m comment --comment "$T")
  on_exit iptables -D "$chain" "${rule[@]}"
  iptables -I "$chain" "${rule[@]}"
}

# remove_iptables_rule CHAIN RULE...: deletes what add_iptables_rule added.
remove_iptables_rule() {
  local chain=$1
  shift
  iptables -D "$chain" "$@" -m comment --comment "$T"
}

# add_nft_table FAMILY NAME < BODY: a native nftables table of the test's
# own (BODY is what goes between its braces); deleted at exit.
add_nft_table() {
  local family=$1 name=$2
  on_exit nft delete table "$family" "$name"
  { echo "table $family $name {"; cat; echo "}"; } | nft -f -
}

# set_host_sysctl NAME VALUE: sets a (per-interface) sysctl such as
# net.ipv4.conf.IF.forwarding; the old value comes back at exit.
set_host_sysctl() {
  local file=/proc/sys/${1//.//}
  on_exit _write_file "$file" "$(<"$file")"
  _write_file "$file" "$2"
}

_write_file() {
  echo "$2" >"$1"
}

# start_host_server NAME SPEC... [server options]: the static server runs on
# the host itself (not in a container) as a process named "server"; killed
# at exit. Returns once it listens on every SPEC. Sets HOST_SERVER_PID.
start_host_server() {
  local name=$1 arg log
  shift
  log=$T_DIR/$name.log
  setsid "$PROGRAMS_DIR/server" "$@" </dev/null >"$log" 2>&1 &
  HOST_SERVER_PID=$!
  on_exit _kill_host_program "$HOST_SERVER_PID" "$PROGRAMS_DIR/server"
  for arg in "$@"; do
    if [[ $arg =~ ^(tcp|udp):.*:([0-9]+)$ ]]; then
      _wait_log_line "$log" "^listening ${BASH_REMATCH[1]} .*:${BASH_REMATCH[2]}\$" "$HOST_SERVER_PID" ||
        fail "host server $name did not listen on $arg: $(cat "$log")"
    fi
  done
}

# Only our program: after a SIGKILLed run the pid may have been reused.
_kill_host_program() {
  local pid=$1 program=$2
  if [[ $(readlink "/proc/$pid/exe" 2>/dev/null) == "$program" ]]; then
    kill "$pid"
  fi
}

_wait_log_line() {
  local file=$1 pattern=$2 pid=$3 _
  for _ in $(seq 1 100); do
    if grep -Eq "$pattern" "$file" 2>/dev/null; then
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# wait_listening CONTAINER PROTO PORT: waits (10 s) for the server's
# "listening PROTO ADDRESS:PORT" line in its log; no exec into the container.
wait_listening() {
  local container=$1 proto=$2 port=$3 _
  for _ in $(seq 1 100); do
    # Not a pipe: grep -q quitting early would fail it under pipefail.
    if grep -Eq "^listening $proto .*:$port\$" < <(docker logs "$container" 2>/dev/null); then
      return 0
    fi
    if [[ $(docker inspect -f '{{.State.Running}}' "$container") != true ]]; then
      fail "$container stopped before listening on $proto $port: $(docker logs "$container" 2>&1)"
    fi
    sleep 0.1
  done
  fail "$container did not listen on $proto $port within 10 s: $(docker logs "$container" 2>&1)"
}

# start_host_client HOST PORT [client options...]: the client program on the
# host, in the background, killed at exit.
start_host_client() {
  "$PROGRAMS_DIR/client" "$@" >/dev/null 2>&1 &
  on_exit _kill_host_program "$!" "$PROGRAMS_DIR/client"
}

container_ip() {
  docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}' "$1" |
    awk '{print $1}'
}

# --- proving the failure is real -------------------------------------------

# expect_client CONTAINER HOST PORT WORD [client options...]: the client
# program inside CONTAINER dials HOST:PORT and must print WORD first
# (connected, refused, unresolved, ...). The test may exec; the tool may not.
expect_client() {
  local container=$1 host=$2 port=$3 want=$4 line
  shift 4
  line=$(timeout 60 docker exec "$container" /client --timeout 3000 "$@" "$host" "$port") || true
  log "reality: $container dials $host:$port: ${line:-<no output>}"
  if [[ ${line%% *} != "$want" ]]; then
    fail "the client in $container dialing $host:$port got '$line', expected '$want':" \
         "the scenario does not reproduce the failure"
  fi
}

# expect_host_curl HOST:PORT CODE...: curl from the host must exit with one
# of the CODEs (0 ok, 7 refused, 28 timed out, 52 empty reply, 56 reset).
# For 0 the reply must come from our server.
expect_host_curl() {
  _expect_curl "" "$@"
}

# expect_netns_curl NETNS HOST:PORT CODE...: the same, from NETNS (a client
# namespace, e.g. $REMOTE_NS).
expect_netns_curl() {
  _expect_curl "$@"
}

_expect_curl() {
  local netns=$1 target=$2 status=0 out code where=host
  shift 2
  local prefix=()
  if [[ -n $netns ]]; then
    prefix=(ip netns exec "$netns")
    where=$netns
  fi
  out=$("${prefix[@]}" curl -sS --max-time 2 --noproxy '*' "http://$target/" 2>&1) || status=$?
  log "reality: curl $target from $where: exit $status: $out"
  for code in "$@"; do
    if [[ $status -eq $code ]]; then
      if [[ $status -eq 0 && $out != *"hello from"* ]]; then
        fail "curl $target answered, but not from a whyno-test server: $out"
      fi
      return 0
    fi
  done
  fail "curl $target exited $status ($out), expected one of: $*"
}

# --- running whyno-port -----------------------------------------------------

# snapshot_host_state FILE: the host state whyno-port promises not to touch,
# without counters and timestamps that change on their own.
snapshot_host_state() {
  local file=$1 tool f
  {
    echo "### nft -s list ruleset"
    nft -s list ruleset 2>&1
    for tool in iptables-legacy-save ip6tables-legacy-save; do
      echo "### $tool"
      "$tool" 2>&1 | sed -E '/^#/d; s/ \[[0-9]+:[0-9]+\]$//'
    done
    echo "### legacy tables"
    cat /proc/net/ip_tables_names /proc/net/ip6_tables_names 2>/dev/null | sort
    echo "### sysctls"
    for f in /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv4/conf/*/forwarding \
             /proc/sys/net/ipv4/conf/*/route_localnet /proc/sys/net/ipv6/conf/all/forwarding; do
      if [[ -r $f ]]; then
        echo "$f $(<"$f")"
      fi
    done
    # With no dockerd (tests of a host without an engine) there are none.
    echo "### containers"
    { docker ps -a --no-trunc --format '{{.ID}} {{.State}}' 2>/dev/null || true; } | sort
    echo "### networks"
    { docker network ls -q --no-trunc 2>/dev/null || true; } | sort
    echo "### named netns"
    ip netns list | sort
  } >"$file"
}

# run_whyno ARGS...: runs whyno-port with a time limit and fails the test if
# host state changed. Sets WHYNO_STATUS, WHYNO_OUT, WHYNO_ERR.
run_whyno() {
  run_whyno_with -- "$@"
}

# run_whyno_with PREFIX... -- ARGS...: the same, with whyno-port run through
# PREFIX (env VAR=VALUE, setpriv ...); the snapshots are taken without it.
run_whyno_with() {
  local prefix=()
  while [[ $# -gt 0 && $1 != -- ]]; do
    prefix+=("$1")
    shift
  done
  [[ $# -gt 0 ]] || fail "run_whyno_with: missing -- before the whyno-port arguments"
  shift
  WHYNO_COMMAND="${prefix[*]}${prefix[*]:+ }whyno-port $*"
  # WHYNO_E2E_SAVE_FACTS=DIR keeps every run's facts: the recorded real data
  # behind tests/fixtures/snapshots (see its README).
  if [[ -n ${WHYNO_E2E_SAVE_FACTS:-} && " $* " != *" --all "* ]]; then
    _saved_runs=$((${_saved_runs:-0} + 1))
    set -- "$@" --save-facts "$WHYNO_E2E_SAVE_FACTS/${T%-*}-$_saved_runs.json"
  fi
  snapshot_host_state "$T_DIR/state.before"
  WHYNO_STATUS=0
  timeout --kill-after=5 "$WHYNO_TIMEOUT" "${prefix[@]}" "$WHYNO_PORT" "$@" \
    >"$T_DIR/whyno.out" 2>"$T_DIR/whyno.err" || WHYNO_STATUS=$?
  # For scenarios that look at the output themselves.
  # shellcheck disable=SC2034
  WHYNO_OUT=$(<"$T_DIR/whyno.out")
  # shellcheck disable=SC2034
  WHYNO_ERR=$(<"$T_DIR/whyno.err")
  snapshot_host_state "$T_DIR/state.after"
  log "ran: $WHYNO_COMMAND: exit $WHYNO_STATUS"
  if [[ $WHYNO_STATUS -eq 124 || $WHYNO_STATUS -eq 137 ]]; then
    fail_whyno "whyno-port did not finish within $WHYNO_TIMEOUT s"
  fi
  local changes
  if ! changes=$(diff -u "$T_DIR/state.before" "$T_DIR/state.after"); then
    fail_whyno "host state changed while whyno-port ran:"$'\n'"$changes"
  fi
}

# run_whyno_racing ARGS...: runs whyno-port while the test changes the host
# on purpose (a restart loop, a container being removed, dockerd stopping,
# rules churning), so the host-state check of run_whyno cannot apply. The
# time limit, the outputs and the status are as for run_whyno; it also sets
# WHYNO_SECONDS.
run_whyno_racing() {
  WHYNO_COMMAND="whyno-port $*"
  if [[ -n ${WHYNO_E2E_SAVE_FACTS:-} ]]; then
    _saved_runs=$((${_saved_runs:-0} + 1))
    set -- "$@" --save-facts "$WHYNO_E2E_SAVE_FACTS/${T%-*}-$_saved_runs.json"
  fi
  local started=$EPOCHREALTIME
  WHYNO_STATUS=0
  timeout --kill-after=5 "$WHYNO_TIMEOUT" "$WHYNO_PORT" "$@" \
    >"$T_DIR/whyno.out" 2>"$T_DIR/whyno.err" || WHYNO_STATUS=$?
  WHYNO_SECONDS=$(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')
  # shellcheck disable=SC2034
  WHYNO_OUT=$(<"$T_DIR/whyno.out")
  # shellcheck disable=SC2034
  WHYNO_ERR=$(<"$T_DIR/whyno.err")
  log "ran (racing): $WHYNO_COMMAND: exit $WHYNO_STATUS in $WHYNO_SECONDS s"
  if [[ $WHYNO_STATUS -eq 124 || $WHYNO_STATUS -eq 137 ]]; then
    fail_whyno "whyno-port did not finish within $WHYNO_TIMEOUT s"
  fi
  if [[ $WHYNO_STATUS -gt 4 ]]; then
    fail_whyno "exit status $WHYNO_STATUS is not one whyno-port documents (a crash?)"
  fi
}

# expect_no_wrong_all_clear: after a --json run, a `reachable` verdict must
# come with exit 0 and a probe that got through; anything else must not
# exit 0.
expect_no_wrong_all_clear() {
  local verdict
  if [[ $WHYNO_STATUS -eq 3 ]]; then
    # No diagnosis: with --json, only the error object.
    if [[ -n $WHYNO_OUT ]]; then
      jq -e '.error.exit_status == 3 and .verdict == null' "$T_DIR/whyno.out" >/dev/null 2>&1 ||
        fail_whyno "exit status 3 with a diagnosis on stdout"
    fi
    expect_stderr_one_line
    return 0
  fi
  verdict=$(jq -r .verdict "$T_DIR/whyno.out" 2>/dev/null) || fail_whyno "stdout is not JSON"
  if [[ $verdict == reachable ]]; then
    [[ $WHYNO_STATUS -eq 0 ]] || fail_whyno "reachable with exit status $WHYNO_STATUS"
    expect_json '.probe.outcome == "connected" or .probe.outcome == "answered" or .probe.outcome == "skipped"'
    expect_json '.probe.agrees == true'
  elif [[ $WHYNO_STATUS -eq 0 ]]; then
    fail_whyno "exit status 0 with verdict $verdict"
  fi
}

fail_whyno() {
  {
    echo "FAIL: $TEST_NAME: $*"
    echo "--- command: $WHYNO_COMMAND (exit status $WHYNO_STATUS)"
    echo "--- stdout:"
    cat "$T_DIR/whyno.out"
    echo "--- stderr:"
    cat "$T_DIR/whyno.err"
    echo "---"
  } >&2
  exit 1
}

# --- assertions on the last run_whyno ---------------------------------------

# run_fix_command N: runs fix_commands[N] of the last JSON answer, as a user
# would paste it (the tests that do undo what it changes themselves).
run_fix_command() {
  local command
  command=$(jq -r --argjson n "$1" '.fix_commands[$n]' "$T_DIR/whyno.out")
  log "pasting the fix: $command"
  bash -c "$command" || fail "the fix command failed: $command"
}

expect_status() {
  if [[ $WHYNO_STATUS -ne $1 ]]; then
    fail_whyno "exit status $WHYNO_STATUS, expected $1"
  fi
}

expect_verdict() {
  local count verdict
  count=$(jq -s length "$T_DIR/whyno.out" 2>/dev/null) || fail_whyno "stdout is not JSON"
  if [[ $count -ne 1 ]]; then
    fail_whyno "stdout holds $count JSON values, expected one object"
  fi
  verdict=$(jq -r .verdict "$T_DIR/whyno.out")
  if [[ $verdict != "$1" ]]; then
    fail_whyno "verdict '$verdict', expected '$1'"
  fi
}

# expect_json FILTER [jq options...]: FILTER on stdout must give true, e.g.
#   expect_json '.fix | contains($want)' --arg want "-p 8080:3000"
expect_json() {
  local filter=$1 result
  shift
  result=$(jq -c "$@" "$filter" "$T_DIR/whyno.out" 2>&1) || fail_whyno "jq '$filter' failed: $result"
  if [[ $result != true ]]; then
    fail_whyno "expected true from jq '$filter', got: $result"
  fi
}

# expect_stdout_matches REGEX: stdout, with the run's names replaced by <T>
# (see expect_text), matches REGEX.
expect_stdout_matches() {
  sed "s/$T/<T>/g" "$T_DIR/whyno.out" | grep -Eq -- "${1//$T/<T>}" ||
    fail_whyno "stdout does not match /$1/"
}

expect_stderr_matches() {
  grep -Eq -- "$1" "$T_DIR/whyno.err" || fail_whyno "stderr does not match /$1/"
}

# expect_probe OUTCOME...: the probe ended in one of the OUTCOMEs (answered,
# connected, refused, reset-or-closed, timed-out, unresolved, skipped...) and
# agrees with the verdict.
expect_probe() {
  local outcomes
  outcomes=$(printf '%s\n' "$@" | jq -R . | jq -sc .)
  expect_json '.probe.outcome as $o | $want | index([$o]) != null' --argjson want "$outcomes"
  expect_json '.probe.agrees == true'
}

# expect_text FILTER WORDS: the string FILTER selects (e.g. .summary)
# contains WORDS. The run's names ($T-*) are replaced by <T> on both sides
# first, so that a name that happens to contain a word (a test named
# firewall_ufw makes "wt-firewall-ufw-1a2b3c-c1") never counts as a mention.
expect_text() {
  expect_json "($1) // \"\" | tostring | gsub(\$t; \"<T>\") | contains(\$want | gsub(\$t; \"<T>\"))" \
    --arg want "$2" --arg t "$T"
}

# Exactly one newline-terminated, non-empty line.
expect_stderr_one_line() {
  local file=$T_DIR/whyno.err
  if [[ ! -s $file || $(wc -l <"$file") -ne 1 || -n $(tail -c1 "$file") ]]; then
    fail_whyno "stderr is not exactly one line"
  fi
}
