#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# bench/run.sh: how fast whyno-port is, against what a person would run by hand
# (the recipe) and against the bare kernel dumps it cannot beat (the floor).
# See bench/README.md for what each scenario measures.
#
#   bench/run.sh [--sizes 1,100,300] [--rules 1000,10000] [--sockets 1000,10000]
#                [--services 1000] [--runs N]
#
# An empty list (--sizes '') skips that scenario. Needs root and dockerd (started
# if none answers, as the end-to-end tests do). Progress goes to stderr, the
# table to stdout. Everything created here is labelled or named whyno-bench and
# removed at exit; a killed run's leftovers are removed by the next run.
#
# Environment:
#   WHYNO_PORT               the binary to measure (default: build/whyno-port)
#   WHYNO_BENCH_HOST_PORT    the host port `web` publishes (8080)
#   WHYNO_BENCH_BASE_PORT    the other containers publish BASE+1, BASE+2, ... (20000)
#   WHYNO_BENCH_PARALLEL     docker runs at once while setting up (8)
#   WHYNO_BENCH_SETUP_LIMIT  seconds growing to one size may take before the
#                            bigger sizes are given up (600)
#   WHYNO_TEST_PROGRAMS_DIR  where tests/programs/build.sh put `server` (else compiled here)
set -Eeuo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$BENCH_DIR/.." && pwd)
# shellcheck source=../tests/e2e/lib_dockerd.sh
source "$REPO_DIR/tests/e2e/lib_dockerd.sh"

sizes=1,100,300
rules=1000,10000
sockets=1000,10000
services=1000
runs=11

usage() {
  sed -n '5,7p' "${BASH_SOURCE[0]}" | sed 's/^# *//' >&2
  exit 2
}

while [[ $# -gt 0 ]]; do
  case $1 in
    --sizes) sizes=${2-}; shift 2 || usage ;;
    --rules) rules=${2-}; shift 2 || usage ;;
    --sockets) sockets=${2-}; shift 2 || usage ;;
    --services) services=${2-}; shift 2 || usage ;;
    --runs) runs=${2-}; shift 2 || usage ;;
    -h | --help) usage ;;
    *) echo "run.sh: unknown argument '$1'" >&2; usage ;;
  esac
done

split_list() {
  local list=$1 item
  [[ -z $list || $list == none ]] && return 0
  IFS=, read -ra _items <<<"$list"
  for item in "${_items[@]}"; do
    [[ $item =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: '$item' is not a positive number" >&2; exit 2; }
    echo "$item"
  done
}
mapfile -t size_list < <(split_list "$sizes")
mapfile -t rule_list < <(split_list "$rules")
mapfile -t socket_list < <(split_list "$sockets")
mapfile -t service_list < <(split_list "$services")
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: --runs needs a positive number" >&2; exit 2; }

WHYNO_PORT=${WHYNO_PORT:-$REPO_DIR/build/whyno-port}
HOST_PORT=${WHYNO_BENCH_HOST_PORT:-8080}
BASE_PORT=${WHYNO_BENCH_BASE_PORT:-20000}
PARALLEL=${WHYNO_BENCH_PARALLEL:-8}
SETUP_LIMIT=${WHYNO_BENCH_SETUP_LIMIT:-600}

log() {
  echo "bench: $*" >&2
}

die() {
  echo "bench: FAILED: $*" >&2
  exit 1
}

if [[ $(id -u) -ne 0 ]]; then
  echo "bench: needs root (dockerd, network namespaces, whyno-port reading them)" >&2
  exit 125
fi
[[ -x $WHYNO_PORT ]] || die "WHYNO_PORT must name the whyno-port binary (got '$WHYNO_PORT')"

need_tool() {
  local tool=$1 package=$2
  command -v "$tool" >/dev/null 2>&1 && return 0
  log "installing $package for $tool"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$package" >/dev/null 2>&1 ||
    die "missing $tool and could not install $package"
}
[[ -x /usr/bin/time ]] || { log "installing time for /usr/bin/time"; DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends time >/dev/null 2>&1 || die "missing /usr/bin/time (apt-get install time)"; }
need_tool jq jq
need_tool nft nftables
need_tool iptables-restore iptables
need_tool ip iproute2
need_tool ss iproute2
need_tool nsenter util-linux
need_tool python3 python3

# --- names, cleanup ----------------------------------------------------------

TAG=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
PREFIX=whyno-bench-$TAG
LABEL=org.whyno-port.bench
LABEL_PID=org.whyno-port.bench.pid
IMAGE=whyno-bench:$TAG
WORK=$(mktemp -d "${TMPDIR:-/tmp}/whyno-bench.XXXXXX")
NS_PREFIX=whyno-bench-$$-
_listeners=()

remove_containers() {
  docker ps -aq --filter "label=$LABEL=$1" | xargs -r -n 50 -P 4 docker rm -f -v >/dev/null 2>&1 || true
}

cleanup() {
  local status=$? pid ns
  set +e
  trap - ERR
  for pid in "${_listeners[@]}"; do
    kill "$pid" 2>/dev/null
  done
  if docker info >/dev/null 2>&1; then
    remove_containers "$TAG"
    docker image rm "$IMAGE" >/dev/null 2>&1
  fi
  for ns in $(ip netns list | awk -v p="$NS_PREFIX" 'index($1, p) == 1 { print $1 }'); do
    ip netns delete "$ns"
  done
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'echo "bench: line $LINENO failed: $BASH_COMMAND" >&2' ERR

# What a killed run left: containers and images labelled with a dead pid,
# namespaces named whyno-bench-PID-*.
sweep_stale() {
  local id pid ns
  while read -r id pid; do
    if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
      docker rm -f -v "$id" >/dev/null 2>&1 || true
    fi
  done < <(docker ps -a --filter "label=$LABEL_PID" --format "{{.ID}} {{.Label \"$LABEL_PID\"}}")
  while read -r id pid; do
    if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then
      docker image rm -f "$id" >/dev/null 2>&1 || true
    fi
  done < <(docker image ls --filter "label=$LABEL_PID" --format '{{.ID}}' |
             xargs -r docker image inspect -f "{{.Id}} {{index .Config.Labels \"$LABEL_PID\"}}")
  for ns in $(ip netns list | awk '{ print $1 }'); do
    if [[ $ns =~ ^whyno-bench-([0-9]+)- ]] && ! kill -0 "${BASH_REMATCH[1]}" 2>/dev/null; then
      ip netns delete "$ns" || true
    fi
  done
}

# --- measuring -----------------------------------------------------------------

# measure CMD...: the median wall time in ms of $runs runs of CMD (after one
# warm-up run), output discarded; into MS. CMD may be a shell function.
measure() {
  local i start stamps=()
  "$@" >/dev/null 2>&1 || true
  for ((i = 0; i < runs; i++)); do
    start=$EPOCHREALTIME
    "$@" >/dev/null 2>&1 || true
    stamps+=("$start $EPOCHREALTIME")
  done
  MS=$(printf '%s\n' "${stamps[@]}" | awk '{ printf "%.3f\n", ($2 - $1) * 1000 }' | sort -n |
         awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
}

# rss [PREFIX...] -- CMD...: the median peak RSS in KiB of 3 runs of CMD
# (GNU time's %M, of CMD alone: PREFIX such as `ip netns exec NS` runs
# outside the measurement); into KIB.
rss() {
  local prefix=() i values=()
  while [[ $1 != -- ]]; do
    prefix+=("$1")
    shift
  done
  shift
  for i in 1 2 3; do
    "${prefix[@]}" /usr/bin/time -f %M -o "$WORK/rss" "$@" >/dev/null 2>&1 || true
    values+=("$(tail -n 1 "$WORK/rss")")
  done
  KIB=$(printf '%s\n' "${values[@]}" | sort -n | sed -n 2p)
}

BUDGETS=()
# budget SCENARIO [PREFIX...] -- CMD...: where whyno-port's time went, from
# its own WHYNO_PORT_TIMINGS line: of 5 runs, the one whose total is the
# median; into BUDGETS.
budget() {
  local name=$1 prefix=() i lines=()
  shift
  while [[ $1 != -- ]]; do
    prefix+=("$1")
    shift
  done
  shift
  for i in 1 2 3 4 5; do
    lines+=("$("${prefix[@]}" env WHYNO_PORT_TIMINGS=1 "$@" 2>&1 >/dev/null | grep '^timings:' || true)")
  done
  BUDGETS+=("$name: $(printf '%s\n' "${lines[@]}" | sort -t' ' -k3,3n | sed -n 3p | sed 's/^timings: //')")
}

ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { if (b == "" || b == "-" || b + 0 == 0) print "-"; else printf "%.2f\n", a / b }'
}

ROWS=()
# row SCENARIO WHYNO_MS RECIPE_MS FLOOR_MS WHYNO_KIB SS_KIB
row() {
  local whyno recipe floor
  whyno=$(ms1 "$2") recipe=$(ms1 "$3") floor=$(ms1 "$4")
  ROWS+=("$(printf '%s\t%s\t%s\t%s\t%s\t%s\t%s' "$1" "$whyno" "$recipe" "$floor" \
             "$(ratio "$2" "$3")" "$(ratio "$2" "$4")" "$5 / $6")")
  log "  $1: whyno-port $whyno ms, recipe $recipe ms, floor $floor ms, RSS $5 KiB (ss $6 KiB)"
}

# ms1 MS: one decimal, or "-".
ms1() {
  awk -v v="$1" 'BEGIN { if (v == "-") print "-"; else printf "%.1f\n", v }'
}

# whyno_ok STATUS: whyno-port documents 0 to 4; anything else is a crash.
whyno_ok() {
  [[ $1 -le 4 ]] || die "whyno-port exited $1 (a crash?)"
}

# against_ruleset_dump NS ROW BUDGET ARGS...: whyno-port ARGS inside NS against
# the floor `nft list ruleset` there (time and peak RSS, ss's RSS beside
# it), as a row and a budget line; the medians into WHYNO_MS and FLOOR_MS.
against_ruleset_dump() {
  local ns=$1 name=$2 budget_name=$3 whyno_kib
  shift 3
  measure ip netns exec "$ns" "$WHYNO_PORT" "$@"
  WHYNO_MS=$MS
  measure ip netns exec "$ns" nft list ruleset
  FLOOR_MS=$MS
  rss ip netns exec "$ns" -- "$WHYNO_PORT" "$@"
  whyno_kib=$KIB
  rss ip netns exec "$ns" -- ss -ltnup
  row "$name" "$WHYNO_MS" - "$FLOOR_MS" "$whyno_kib" "$KIB"
  budget "$budget_name" ip netns exec "$ns" -- "$WHYNO_PORT" "$@"
}

# --- scenario b: rules -----------------------------------------------------------

# rules_file COUNT: COUNT rules in Docker's layout, half DNAT rules in nat
# DOCKER (distinct host ports, the bench port last), half ACCEPT rules in
# filter DOCKER, for iptables-restore (iptables-nft). Addresses are
# RFC 2544 benchmark addresses that exist nowhere.
rules_file() {
  local count=$1
  awk -v n="$count" -v port="$HOST_PORT" 'BEGIN {
    half = int(n / 2); if (half < 1) half = 1
    print "*nat"
    print ":PREROUTING ACCEPT [0:0]"; print ":OUTPUT ACCEPT [0:0]"; print ":POSTROUTING ACCEPT [0:0]"
    print ":DOCKER - [0:0]"
    print "-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER"
    print "-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER"
    for (i = 1; i < half; i++)
      printf "-A DOCKER ! -i br-bench -p tcp -m tcp --dport %d -j DNAT --to-destination 198.19.%d.%d:3000\n", 30000 + i, int(i / 250), i % 250 + 2
    printf "-A DOCKER ! -i br-bench -p tcp -m tcp --dport %d -j DNAT --to-destination 198.19.255.2:3000\n", port
    print "COMMIT"
    print "*filter"
    print ":INPUT ACCEPT [0:0]"; print ":FORWARD DROP [0:0]"; print ":OUTPUT ACCEPT [0:0]"
    print ":DOCKER - [0:0]"
    print "-A FORWARD -o br-bench -j DOCKER"
    for (i = 1; i <= n - half; i++)
      printf "-A DOCKER -d 198.19.%d.%d/32 ! -i br-bench -o br-bench -p tcp -m tcp --dport 3000 -j ACCEPT\n", int(i / 250), i % 250 + 2
    print "COMMIT"
  }'
}

bench_rules() {
  local count=$1 ns=${NS_PREFIX}rules-$1 status=0 read_rules
  log "rules: $count synthetic rules in namespace $ns"
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  rules_file "$count" >"$WORK/rules"
  ip netns exec "$ns" iptables-restore <"$WORK/rules"
  # The run must have read the namespace's rules, not only started.
  ip netns exec "$ns" "$WHYNO_PORT" --no-probe "$HOST_PORT" --json --save-facts "$WORK/facts.json" \
    >"$WORK/out.json" 2>"$WORK/err" || status=$?
  whyno_ok "$status"
  read_rules=$(jq '.facts.ruleset.rules | length' "$WORK/facts.json")
  # COUNT in the DOCKER chains, and the jumps from PREROUTING, OUTPUT and FORWARD.
  [[ $read_rules -ge $count ]] || die "whyno-port read $read_rules rules of the $count loaded: $(cat "$WORK/err")"
  log "  whyno-port read $read_rules rules, verdict $(jq -r .verdict "$WORK/out.json")"

  against_ruleset_dump "$ns" "rules $count (ip netns exec)" "rules $count" --no-probe "$HOST_PORT" --json
  RULES_MS[$count]=$WHYNO_MS
  RULES_FLOOR[$count]=$FLOOR_MS
  ip netns delete "$ns"
}

# --- scenario d: a Kubernetes node's Services --------------------------------------

# kube_base_nft: kube-proxy's base of table ip kube-proxy (sets, maps, base
# chains and their rules), as its golden writes it: everything before its
# first Service.
kube_base_nft() {
  sed -n '/^# svc1$/q; /^add /p' "$REPO_DIR/tests/fixtures/twin/kubernetes/TestOverallNFTablesRules.nft"
}

# kube_services_file MODE COUNT: COUNT ClusterIP Services of one endpoint each,
# in kube-proxy's layout for MODE (iptables: KUBE-SERVICES, KUBE-SVC-*,
# KUBE-SEP-*; nftables: the @service-ips map, service-* and endpoint-*
# chains). ClusterIPs 172.30.0.0/16, endpoints 10.200.0.0/16: addresses no
# namespace holds.
kube_services_file() {
  local mode=$1 count=$2
  if [[ $mode == nftables ]]; then
    kube_base_nft
  fi
  awk -v n="$count" -v mode="$mode" 'BEGIN {
    if (mode == "iptables") {
      print "*nat"
      print ":PREROUTING ACCEPT [0:0]"; print ":OUTPUT ACCEPT [0:0]"; print ":POSTROUTING ACCEPT [0:0]"
      print ":KUBE-SERVICES - [0:0]"; print ":KUBE-MARK-MASQ - [0:0]"
      for (i = 1; i <= n; i++) { printf ":KUBE-SVC-%016d - [0:0]\n:KUBE-SEP-%016d - [0:0]\n", i, i }
      print "-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES"
      print "-A OUTPUT -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES"
      print "-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000"
    }
    for (i = 1; i <= n; i++) {
      cip = sprintf("172.30.%d.%d", int(i / 250), i % 250 + 1)
      ep = sprintf("10.200.%d.%d", int(i / 250), i % 250 + 1)
      svc = sprintf("ns%d/svc%d:p80", i, i)
      if (mode == "iptables") {
        printf "-A KUBE-SERVICES -d %s/32 -p tcp -m comment --comment \"%s cluster IP\" -m tcp --dport 80 -j KUBE-SVC-%016d\n", cip, svc, i
        printf "-A KUBE-SVC-%016d ! -s 10.0.0.0/8 -d %s/32 -p tcp -m comment --comment \"%s cluster IP\" -m tcp --dport 80 -j KUBE-MARK-MASQ\n", i, cip, svc
        printf "-A KUBE-SVC-%016d -m comment --comment \"%s -> %s:80\" -j KUBE-SEP-%016d\n", i, svc, ep, i
        printf "-A KUBE-SEP-%016d -s %s/32 -m comment --comment \"%s\" -j KUBE-MARK-MASQ\n", i, ep, svc
        printf "-A KUBE-SEP-%016d -p tcp -m comment --comment \"%s\" -m tcp -j DNAT --to-destination %s:80\n", i, svc, ep
      } else {
        printf "add chain ip kube-proxy service-%d\nadd chain ip kube-proxy endpoint-%d\n", i, i
        printf "add rule ip kube-proxy service-%d ip daddr %s ip saddr != 10.0.0.0/8 jump mark-for-masquerade\n", i, cip
        printf "add rule ip kube-proxy service-%d numgen random mod 1 vmap { 0 : goto endpoint-%d }\n", i, i
        printf "add rule ip kube-proxy endpoint-%d ip saddr %s jump mark-for-masquerade\n", i, ep
        printf "add rule ip kube-proxy endpoint-%d meta l4proto tcp dnat to %s:80\n", i, ep
        printf "add element ip kube-proxy cluster-ips { %s }\n", cip
        printf "add element ip kube-proxy service-ips { %s . tcp . 80 : goto service-%d }\n", cip, i
      }
    }
    if (mode == "iptables") print "COMMIT"
  }'
}

bench_services() {
  local mode=$1 count=$2 ns=${NS_PREFIX}svc-$1-$2 status=0 middle cip
  log "services: $count kube-proxy Services ($mode mode) in namespace $ns"
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  kube_services_file "$mode" "$count" >"$WORK/services"
  if [[ $mode == iptables ]]; then
    ip netns exec "$ns" iptables-restore <"$WORK/services"
  else
    { grep -E '^add (table|set|map|chain)' "$WORK/services"; grep -vE '^add (table|set|map|chain)' "$WORK/services"; } |
      ip netns exec "$ns" nft -f -
  fi
  # The middle Service's ClusterIP, from this namespace.
  middle=$((count / 2))
  cip="172.30.$((middle / 250)).$((middle % 250 + 1))"
  ip netns exec "$ns" "$WHYNO_PORT" --no-probe "$cip:80" --json >"$WORK/out.json" 2>"$WORK/err" || status=$?
  whyno_ok "$status"
  jq -e '.path[] | select(.hop | startswith("DNAT 10.200."))' "$WORK/out.json" >/dev/null ||
    die "whyno-port did not follow $cip:80 to its endpoint: $(cat "$WORK/err") $(jq -c .path "$WORK/out.json")"
  against_ruleset_dump "$ns" "Services $count, kube-proxy $mode (ClusterIP)" "Services $count $mode" \
    --no-probe "$cip:80" --json
  ip netns delete "$ns"
}

# --- scenario c: sockets ---------------------------------------------------------

cat >"$WORK/listen.py" <<'EOF'
# listen.py COUNT BASE: COUNT TCP listeners on 127.0.0.1:BASE.., then sleeps.
import resource, signal, socket, sys
count, base = int(sys.argv[1]), int(sys.argv[2])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if soft < count + 64:
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, count + 64), hard))
held = []
for offset in range(count):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", base + offset))
    listener.listen(16)
    held.append(listener)
print("listening", count, flush=True)
signal.sigwait([signal.SIGTERM, signal.SIGINT])
EOF

bench_sockets() {
  local count=$1 ns=${NS_PREFIX}sockets-$1 status=0 pid read_listeners _
  log "sockets: $count TCP listeners in namespace $ns"
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  # An address of its own (a veth pair inside the namespace; no traffic
  # leaves it): --netns without ADDRESS targets it.
  ip -n "$ns" link add wb0 type veth peer name wb1
  ip -n "$ns" addr add 198.18.201.2/24 dev wb0
  ip -n "$ns" link set wb0 up
  ip -n "$ns" link set wb1 up
  ip netns exec "$ns" python3 "$WORK/listen.py" "$count" 10000 >"$WORK/listen.log" 2>&1 &
  pid=$!
  _listeners+=("$pid")
  for _ in $(seq 1 300); do
    grep -q '^listening' "$WORK/listen.log" && break
    kill -0 "$pid" 2>/dev/null || die "the listeners did not start: $(cat "$WORK/listen.log")"
    sleep 0.1
  done
  grep -q '^listening' "$WORK/listen.log" || die "the listeners did not start within 30 s"

  "$WHYNO_PORT" --netns "/run/netns/$ns" 9 --no-probe --json --save-facts "$WORK/facts.json" \
    >"$WORK/out.json" 2>"$WORK/err" || status=$?
  whyno_ok "$status"
  # Every socket was seen: the likeliest few kept, the rest counted.
  read_listeners=$(jq '[.facts.container_netns[] | (.listeners | length) + .listeners_left_out] | add // 0' \
    "$WORK/facts.json")
  [[ $read_listeners -ge $count ]] ||
    die "whyno-port read $read_listeners listeners of $count: $(cat "$WORK/err")"
  log "  whyno-port read $read_listeners listeners, verdict $(jq -r .verdict "$WORK/out.json")"

  measure "$WHYNO_PORT" --netns "/run/netns/$ns" 9 --no-probe --json
  local whyno=$MS
  measure ip netns exec "$ns" ss -ltn
  local floor=$MS
  rss -- "$WHYNO_PORT" --netns "/run/netns/$ns" 9 --no-probe --json
  local whyno_kib=$KIB
  rss ip netns exec "$ns" -- ss -ltnup
  row "sockets $count (--netns)" "$whyno" - "$floor" "$whyno_kib" "$KIB"
  budget "sockets $count" -- "$WHYNO_PORT" --netns "/run/netns/$ns" 9 --no-probe --json
  SOCKETS_MS[$count]=$whyno
  SOCKETS_FLOOR[$count]=$floor
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  ip netns delete "$ns"
}

# --- scenario a: containers ------------------------------------------------------

build_image() {
  local server=${WHYNO_TEST_PROGRAMS_DIR:-}/server stage=$WORK/image
  if [[ -z ${WHYNO_TEST_PROGRAMS_DIR:-} || ! -x $server ]]; then
    need_tool musl-gcc musl-tools
    server=$WORK/server
    musl-gcc -static -O2 -o "$server" "$REPO_DIR/tests/programs/server.c"
  fi
  mkdir -p "$stage"
  cp "$server" "$stage/server"
  # FROM scratch, as tests/programs/build.sh makes whyno-test: no registry.
  tar -C "$stage" --owner=0 --group=0 --numeric-owner -cf - . |
    docker import --change 'ENTRYPOINT ["/server"]' --change "LABEL $LABEL=$TAG" \
      --change "LABEL $LABEL_PID=$$" - "$IMAGE" >/dev/null
}

check_ports_free() {
  local count=$1 port taken
  taken=$(ss -Hltn | awk '{ n = split($4, a, ":"); print a[n] }' | sort -u)
  if [[ -n $(docker ps -q --filter "publish=$HOST_PORT") ]]; then
    die "a container publishes host port $HOST_PORT already; set WHYNO_BENCH_HOST_PORT"
  fi
  for port in "$HOST_PORT" $(seq $((BASE_PORT + 1)) $((BASE_PORT + count - 1))); do
    if grep -qx "$port" <<<"$taken"; then
      die "host port $port is in use; set WHYNO_BENCH_HOST_PORT / WHYNO_BENCH_BASE_PORT"
    fi
  done
}

# grow_to COUNT: containers web, c1 .. c(COUNT-1), running and listening.
grow_to() {
  local count=$1 have i start=$EPOCHREALTIME
  have=$(docker ps -aq --filter "label=$LABEL=$TAG" | wc -l)
  if [[ $have -eq 0 ]]; then
    # The seeds' loopback case: published, but the app binds 127.0.0.1.
    docker run -d --name "$PREFIX-web" --label "$LABEL=$TAG" --label "$LABEL_PID=$$" \
      -p "$HOST_PORT:3000" "$IMAGE" tcp:127.0.0.1:3000 >/dev/null
    have=1
  fi
  for ((i = have; i < count; i++)); do
    echo "--name $PREFIX-c$i -p $((BASE_PORT + i)):3000 $IMAGE tcp:0.0.0.0:3000"
  done | xargs -r -L 1 -P "$PARALLEL" docker run -d --label "$LABEL=$TAG" --label "$LABEL_PID=$$" >/dev/null &
  local starter=$!
  while kill -0 "$starter" 2>/dev/null; do
    if awk -v a="$start" -v b="$EPOCHREALTIME" -v l="$SETUP_LIMIT" 'BEGIN { exit !(b - a > l) }'; then
      kill "$starter" 2>/dev/null || true
      wait "$starter" 2>/dev/null || true
      # The docker runs under way finish; the containers they make must not
      # outlive the removal.
      local _
      for _ in $(seq 1 120); do
        pgrep -f -- "--label $LABEL=$TAG" >/dev/null || break
        sleep 0.5
      done
      log "containers: growing to $count took over $SETUP_LIMIT s; stopped, $count and more not measured"
      return 1
    fi
    sleep 1
  done
  wait "$starter" || die "docker run failed while growing to $count containers"
  # Every container publishes one port; web's is the one broken.
  local status _ counts=
  for _ in $(seq 1 60); do
    status=0
    "$WHYNO_PORT" --all --no-probe --json >"$WORK/all.json" 2>"$WORK/err" || status=$?
    whyno_ok "$status"
    counts=$(jq -c --arg p "$PREFIX-" '[.diagnoses[] | select(.published and (.query.container // "" | startswith($p)))]
               | {published: length, broken: map(select(.broken)) | length}' "$WORK/all.json")
    [[ $counts == "{\"published\":$count,\"broken\":1}" ]] && break
    sleep 0.5
  done
  [[ $counts == "{\"published\":$count,\"broken\":1}" ]] ||
    die "after growing to $count containers whyno-port --all sees $counts"
  log "containers: $count running and listening (setup $(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f", b - a }') s)"
}

# recipe PORT CONTAINER PID: what a person types to answer one port.
recipe() {
  docker ps --filter "publish=$1"
  docker port "$2"
  docker inspect "$2"
  nsenter -t "$3" -n ss -ltnp
  iptables-save -t nat
}

# floor_one PID: the dumps one answer needs at least.
floor_one() {
  nsenter -t "$1" -n ss -ltnu
  nft list ruleset
}

# floor_all PID...: every container namespace's sockets, and the ruleset once.
floor_all() {
  local pid
  for pid in "$@"; do
    nsenter -t "$pid" -n ss -ltnu
  done
  nft list ruleset
}

bench_containers() {
  local count=$1 web_pid pids status=0 verdict
  grow_to "$count" || return 1
  web_pid=$(docker inspect -f '{{.State.Pid}}' "$PREFIX-web")
  mapfile -t pids < <(docker ps -q --filter "label=$LABEL=$TAG" | xargs docker inspect -f '{{.State.Pid}}')
  [[ ${#pids[@]} -eq $count ]] || die "expected $count container PIDs, got ${#pids[@]}"

  "$WHYNO_PORT" --no-probe "$HOST_PORT" --json >"$WORK/out.json" 2>"$WORK/err" || status=$?
  verdict=$(jq -r .verdict "$WORK/out.json" 2>/dev/null) || die "whyno-port $HOST_PORT: no JSON: $(cat "$WORK/err")"
  [[ $verdict == bound-to-loopback ]] || die "whyno-port $HOST_PORT says $verdict, expected bound-to-loopback"
  recipe "$HOST_PORT" "$PREFIX-web" "$web_pid" >/dev/null 2>&1 || die "the manual recipe failed"
  floor_one "$web_pid" >/dev/null 2>&1 || die "the floor's dumps failed"

  log "containers $count: single query"
  measure "$WHYNO_PORT" --no-probe "$HOST_PORT" --json
  local whyno=$MS
  measure recipe "$HOST_PORT" "$PREFIX-web" "$web_pid"
  local recipe_web=$MS
  measure floor_one "$web_pid"
  local floor=$MS
  rss -- "$WHYNO_PORT" --no-probe "$HOST_PORT" --json
  local whyno_kib=$KIB
  rss nsenter -t "$web_pid" -n -- ss -ltnup
  local ss_kib=$KIB
  row "containers $count: $HOST_PORT" "$whyno" "$recipe_web" "$floor" "$whyno_kib" "$ss_kib"
  budget "containers $count: $HOST_PORT" -- "$WHYNO_PORT" --no-probe "$HOST_PORT" --json

  log "containers $count: --all"
  measure "$WHYNO_PORT" --all --no-probe --json
  whyno=$MS
  # The recipe once per published port: measured on web and up to two more
  # ports, the mean of those medians times the number of ports.
  local sampled=("$recipe_web") i pid
  for ((i = 1; i < count && i <= 2; i++)); do
    pid=$(docker inspect -f '{{.State.Pid}}' "$PREFIX-c$i")
    measure recipe $((BASE_PORT + i)) "$PREFIX-c$i" "$pid"
    sampled+=("$MS")
  done
  local recipe_all
  recipe_all=$(printf '%s\n' "${sampled[@]}" | awk -v n="$count" '{ s += $1 } END { printf "%.3f\n", s / NR * n }')
  measure floor_all "${pids[@]}"
  floor=$MS
  rss -- "$WHYNO_PORT" --all --no-probe --json
  local ports="$count ports"
  [[ $count -ne 1 ]] || ports="1 port"
  row "containers $count: --all ($ports)" "$whyno" "$recipe_all" "$floor" "$KIB" "$ss_kib"
  budget "containers $count: --all" -- "$WHYNO_PORT" --all --no-probe --json
}

# --- main ------------------------------------------------------------------------

# shellcheck disable=SC2034 # read through growth's namerefs
declare -A RULES_MS RULES_FLOOR SOCKETS_MS SOCKETS_FLOOR
ensure_dockerd || die "no Docker daemon"
# One engine: the dockerd the containers run on. whyno-port would read every
# engine it finds, and a rootless one of another user on a shared machine
# (its answer took 3 to 150 ms here) would be timed with it.
export DOCKER_HOST=${DOCKER_HOST:-unix:///var/run/docker.sock}
sweep_stale

log "whyno-port $("$WHYNO_PORT" --version 2>&1 | head -n 1) ($WHYNO_PORT); $runs runs each"
header="$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), kernel $(uname -r), dockerd $(docker version -f '{{.Server.Version}}' 2>/dev/null), $runs runs, median"

if [[ ${#size_list[@]} -gt 0 ]]; then
  mapfile -t size_list < <(printf '%s\n' "${size_list[@]}" | sort -n -u)
  check_ports_free "${size_list[-1]}"
  build_image
  for count in "${size_list[@]}"; do
    if ! bench_containers "$count"; then
      ROWS+=("$(printf 'containers %s: setup over %s s, not measured\t-\t-\t-\t-\t-\t-' "$count" "$SETUP_LIMIT")")
      break
    fi
  done
  log "removing the containers"
  remove_containers "$TAG"
fi
for count in "${rule_list[@]}"; do
  bench_rules "$count"
done
for count in "${socket_list[@]}"; do
  bench_sockets "$count"
done
for count in "${service_list[@]}"; do
  bench_services iptables "$count"
  bench_services nftables "$count"
done

# The growth rows: the largest size's cost over the smallest's.
growth() {
  local name=$1 keys small large
  local -n ms=$2 floor=$3
  mapfile -t keys < <(printf '%s\n' "${!ms[@]}" | sort -n)
  [[ ${#keys[@]} -ge 2 ]] || return 0
  small=${keys[0]} large=${keys[-1]}
  ROWS+=("$(printf '%s\t%s\t-\t%s\t-\t-\t-' "$name $large/$small cost ratio" \
             "$(ratio "${ms[$large]}" "${ms[$small]}")×" "$(ratio "${floor[$large]}" "${floor[$small]}")×")")
}
growth rules RULES_MS RULES_FLOOR
growth sockets SOCKETS_MS SOCKETS_FLOOR

echo "# $header"
{
  printf 'scenario\twhyno-port ms\trecipe ms\tfloor ms\twhyno/recipe\twhyno/floor\tpeak RSS KiB whyno / ss\n'
  printf '%s\n' "${ROWS[@]}"
} | column -t -s $'\t'
echo
echo "# where whyno-port's time went (WHYNO_PORT_TIMINGS, ms; threads overlap)"
printf '%s\n' "${BUDGETS[@]}"
