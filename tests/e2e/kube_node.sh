#!/usr/bin/env bash
# A Kubernetes node, played by network namespaces, in both kube-proxy modes:
# kube-proxy's own rule goldens (tests/fixtures/twin/kubernetes, loaded
# unchanged) in the node's namespace, pods as namespaces on a cni0 bridge with
# the test server, and clients on the node's LAN. whyno-port runs inside the
# node with no engine socket in sight (a node runs none): it finds the pods by
# where the packets go, or --netns names one. Each case proves with curl what
# a client really gets, then asks whyno-port.
#
#   $T-node    the node: lan0 203.0.113.1/24 and the node IP 192.168.0.2/24,
#              default route via 203.0.113.254, cni0 10.180.0.254/24,
#              ip_forward=1
#   $T-remote  another machine, 203.0.113.2 (inside svc5's source range)
#   $T-far     another machine, 203.0.113.200 (outside it)
#   $T-pod1..5 the Services' endpoints 10.180.0.1-5, the server on :80
#   $T-pod6    a pod with hostPort 8080 -> 80, 10.180.0.6, made by the real
#              CNI plugins (bridge, host-local, portmap)
#
# pod3 (svc3's endpoint, pod ns3/pod3) runs in containerd: a private
# containerd (Debian's, its own root, state and socket under
# $T_DIR/host, as the node's / seen from a debug pod) runs its sandbox and
# its app container `web` with the kubelet's labels (ctr -n k8s.io run), so
# whyno-port names it from containerd's real metadata.
source "$(dirname "$0")/lib.sh"

if [[ $(id -u) -ne 0 ]]; then
  echo "SKIP: $TEST_NAME needs root (network namespaces, nft, iptables); run ctest as root"
  exit 125
fi
for tool in ip nft iptables-nft-restore curl jq musl-gcc timeout unshare; do
  command -v "$tool" >/dev/null 2>&1 || fail "missing $tool; ./quickstart test installs it"
done
need_tools_or_install nfacct nfacct
need_tools_or_install ctr containerd
need_tools_or_install runc runc
[[ -x /bin/busybox ]] || need_tools_or_install busybox busybox-static
if [[ ! -x /usr/lib/cni/portmap ]]; then
  log "installing containernetworking-plugins (the CNI bridge, host-local and portmap plugins)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends containernetworking-plugins \
    >/dev/null 2>&1 || fail "missing /usr/lib/cni/portmap; ./quickstart test installs containernetworking-plugins"
fi
[[ -x ${WHYNO_PORT:-} ]] || fail "WHYNO_PORT must name the whyno-port binary (got '${WHYNO_PORT:-}')"

GOLDENS=$REPO_DIR/tests/fixtures/twin/kubernetes
NODE=$T-node
TAG=wt${T##*-}
SERVER=$T_DIR/server
musl-gcc -static -O2 -o "$SERVER" "$REPO_DIR/tests/programs/server.c" || fail "could not build the server"

# link NS IF_IN_NS BRIDGE_IN_NODE HOSTSIDE_NAME ADDRESS GATEWAY: a veth from
# NS (named IF_IN_NS there) to a bridge of the node.
link() {
  local ns=$1 inside=$2 bridge=$3 outside=$4 address=$5 gateway=$6
  ip link add "$outside" netns "$NODE" type veth peer name "$inside" netns "$ns"
  ip -n "$NODE" link set "$outside" master "$bridge" up
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "$address" dev "$inside"
  ip -n "$ns" link set "$inside" up
  ip -n "$ns" route add default via "$gateway"
}

# A private containerd: the node's containerd, its tree under $T_DIR/host
# (var/lib/containerd, run/containerd) as a debug pod sees the node's / at
# /host. The CRI plugin is off: ctr plays the kubelet.
CTD_TREE=$T_DIR/host
CTD_SOCK=$T_DIR/containerd.sock
ctr_k8s() { ctr -a "$CTD_SOCK" -n k8s.io "$@"; }
containerd_up() {
  mkdir -p "$CTD_TREE/var/lib/containerd" "$CTD_TREE/run/containerd" "$T_DIR/rootfs"
  cat >"$T_DIR/containerd.toml" <<EOF_CTD
version = 2
root = "$CTD_TREE/var/lib/containerd"
state = "$CTD_TREE/run/containerd"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$CTD_SOCK"
[ttrpc]
  address = "$CTD_SOCK.ttrpc"
EOF_CTD
  # The shims keep runc's state in /run/containerd/runc/k8s.io whatever the
  # state directory is, and runc makes the k8s.io cgroups: removed afterwards
  # if this test made them, once the shims are gone.
  local made=()
  [[ -e /run/containerd/runc/k8s.io ]] || made+=(/run/containerd/runc/k8s.io)
  [[ -e /run/containerd/runc ]] || made+=(/run/containerd/runc)
  if [[ -z $(find /sys/fs/cgroup -maxdepth 2 -name k8s.io -type d) ]]; then
    made+=(cgroups)
  fi
  on_exit remove_made_by_containerd "${made[@]}"
  containerd --config "$T_DIR/containerd.toml" >"$T_DIR/containerd.log" 2>&1 &
  on_exit pkill -f "containerd --config $T_DIR/containerd.toml"
  on_exit kill_pod_containers
  local _
  for _ in $(seq 1 100); do
    ctr_k8s version >/dev/null 2>&1 && break
    sleep 0.1
  done
  ctr_k8s version >/dev/null 2>&1 || fail "the private containerd did not start: $(tail -3 "$T_DIR/containerd.log")"
  cp "$SERVER" "$T_DIR/rootfs/server"
  cp /bin/busybox "$T_DIR/rootfs/busybox"
}

# remove_made_by_containerd WHAT...: the runc state directories named and
# ("cgroups") the k8s.io cgroups, once this test's shims have exited; they
# tear down a moment after their tasks are deleted.
remove_made_by_containerd() {
  local _ what
  for _ in $(seq 1 50); do
    pgrep -f "containerd-shim.*$CTD_SOCK" >/dev/null || break
    sleep 0.1
  done
  for _ in $(seq 1 50); do
    local left=0
    for what in "$@"; do
      if [[ $what == cgroups ]]; then
        find /sys/fs/cgroup -maxdepth 2 -name k8s.io -type d -exec rmdir {} + 2>/dev/null
        [[ -z $(find /sys/fs/cgroup -maxdepth 2 -name k8s.io -type d) ]] || left=1
      else
        rmdir "$what" 2>/dev/null
        [[ ! -e $what ]] || left=1
      fi
    done
    [[ $left -eq 0 ]] && return 0
    sleep 0.1
  done
}

kill_pod_containers() {
  local id
  for id in $(ctr_k8s task ls -q 2>/dev/null); do
    ctr_k8s task kill -s KILL "$id"
  done
  sleep 0.5
  for id in $(ctr_k8s task ls -q 2>/dev/null); do
    ctr_k8s task rm -f "$id"
  done
  for id in $(ctr_k8s containers ls -q 2>/dev/null); do
    ctr_k8s containers rm "$id"
  done
}

POD3_UID=3a3a3a3a-0000-4000-8000-000000000003
POD3_SANDBOX=$(printf '%s' "$T-pod3-sandbox" | sha256sum | cut -c1-64)
POD3_WEB=$(printf '%s' "$T-pod3-web" | sha256sum | cut -c1-64)
# ctr_pod_container ID KIND NAME CMD...: a container of pod ns3/pod3 in
# $T-pod3, labelled as the kubelet labels it through the CRI plugin.
ctr_pod_container() {
  local id=$1 kind=$2 name=$3
  shift 3
  local labels=(--label io.kubernetes.pod.name=pod3 --label io.kubernetes.pod.namespace=ns3
    --label "io.kubernetes.pod.uid=$POD3_UID" --label "io.cri-containerd.kind=$kind")
  [[ -z $name ]] || labels+=(--label "io.kubernetes.container.name=$name")
  ctr_k8s run -d --rootfs --with-ns "network:/run/netns/$T-pod3" "${labels[@]}" "$T_DIR/rootfs" "$id" "$@" \
    >"$T_DIR/ctr-$id.log" 2>&1 || fail "ctr run $name failed: $(cat "$T_DIR/ctr-$id.log")"
}

# pod3's app container `web` (the server on :80) in containerd.
start_pod3_web() {
  local _
  ctr_pod_container "$POD3_WEB" container web /server tcp:0.0.0.0:80
  for _ in $(seq 1 100); do
    ip netns exec "$T-pod3" curl -sS --max-time 1 http://127.0.0.1:80/ >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  fail "pod3's web container did not start listening"
}

node_up() {
  local i
  create_netns node >/dev/null
  ip -n "$NODE" link set lo up
  ip netns exec "$NODE" sysctl -qw net.ipv4.ip_forward=1
  ip -n "$NODE" link add lan0 type bridge
  ip -n "$NODE" addr add 203.0.113.1/24 dev lan0
  ip -n "$NODE" addr add 192.168.0.2/24 dev lan0
  ip -n "$NODE" link set lan0 up
  # A node has a default route: a ClusterIP is routed by it before OUTPUT's DNAT.
  ip -n "$NODE" route add default via 203.0.113.254 dev lan0
  ip -n "$NODE" link add cni0 type bridge
  ip -n "$NODE" addr add 10.180.0.254/24 dev cni0
  ip -n "$NODE" link set cni0 up
  create_netns remote >/dev/null
  link "$T-remote" eth0 lan0 "${TAG}r" 203.0.113.2/24 203.0.113.1
  create_netns far >/dev/null
  link "$T-far" eth0 lan0 "${TAG}f" 203.0.113.200/24 203.0.113.1
  for i in 1 2 3 4 5; do
    create_netns "pod$i" >/dev/null
    link "$T-pod$i" eth0 cni0 "${TAG}p$i" "10.180.0.$i/24" 10.180.0.254
    [[ $i -eq 3 ]] || start_server "$i"
  done
  containerd_up
  ctr_pod_container "$POD3_SANDBOX" sandbox "" /busybox sleep 100000
  start_pod3_web
}

# start_server N: the test server on :80 in pod N (SERVERS[N] is its pid).
declare -A SERVERS
start_server() {
  local i=$1
  ip netns exec "$T-pod$i" setsid "$SERVER" tcp:0.0.0.0:80 </dev/null >"$T_DIR/pod$i.log" 2>&1 &
  SERVERS[$i]=$!
  on_exit kill "$!"
  _wait_log_line "$T_DIR/pod$i.log" '^listening tcp' "$!" || fail "pod$i's server did not start"
}

# expect_some_fail NETNS HOST:PORT: of 40 connections from NETNS some are
# answered and some are not (a random spread over a working and a broken
# endpoint; all 40 alike by chance is 2^-39).
expect_some_fail() {
  local ok=0 failed=0 _
  for _ in $(seq 1 40); do
    if ip netns exec "$1" curl -sS --max-time 2 --noproxy '*' "http://$2/" >/dev/null 2>&1; then
      ok=$((ok + 1))
    else
      failed=$((failed + 1))
    fi
  done
  log "reality: curl $2 from $1 40 times: $ok answered, $failed failed"
  [[ $ok -gt 0 && $failed -gt 0 ]] || fail "expected some of 40 connections to $2 to fail and some to work"
}

# A pod with a hostPort, as the kubelet's CNI chain makes it: Debian's real
# bridge and host-local plugins give pod6 its interface and 10.180.0.6, then
# the real portmap plugin (iptables) maps the node's 8080 to its 80.
CNI_PLUGINS=/usr/lib/cni
cni_hostport_pod() {
  local net result
  create_netns pod6 >/dev/null
  net='"cniVersion": "0.4.0", "name": "wtkube"'
  result=$(CNI_COMMAND=ADD CNI_CONTAINERID="$T-pod6" CNI_NETNS="/run/netns/$T-pod6" CNI_IFNAME=eth0     CNI_PATH=$CNI_PLUGINS ip netns exec "$NODE" "$CNI_PLUGINS/bridge" <<EOF_CNI
{$net, "type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": false,
 "ipam": {"type": "host-local", "dataDir": "$T_DIR/ipam", "routes": [{"dst": "0.0.0.0/0"}],
          "ranges": [[{"subnet": "10.180.0.0/24", "rangeStart": "10.180.0.6", "rangeEnd": "10.180.0.6",
                       "gateway": "10.180.0.254"}]]}}
EOF_CNI
  ) || fail "the bridge plugin failed: $result"
  CNI_COMMAND=ADD CNI_CONTAINERID="$T-pod6" CNI_NETNS="/run/netns/$T-pod6" CNI_IFNAME=eth0     CNI_PATH=$CNI_PLUGINS ip netns exec "$NODE" "$CNI_PLUGINS/portmap" >/dev/null <<EOF_CNI ||
{$net, "type": "portmap", "capabilities": {"portMappings": true},
 "runtimeConfig": {"portMappings": [{"hostPort": 8080, "containerPort": 80, "protocol": "tcp"}]},
 "prevResult": $result}
EOF_CNI
    fail "the portmap plugin failed"
  ip -n "$T-pod6" link set lo up
  start_server 6
}

# CNI portmap's nftables backend (v1.6+; Debian's plugins are 1.1.1): its own
# golden (tests/fixtures/twin/cni-plugins), pod6's address for the test's
# 10.0.0.2, the test's placeholder conditions (`a b`) left out.
load_portmap_nftables() {
  sed -E 's/ a b fib / fib /; s/10\.0\.0\.2/10.180.0.6/g' "$GOLDENS/../cni-plugins/portmap-nftables-ipv4.nft" |
    ip netns exec "$NODE" nft -f -
}

load_iptables() {
  ip netns exec "$NODE" nfacct add ct_state_invalid_dropped_pkts
  ip netns exec "$NODE" nfacct add localhost_nps_accepted_pkts
  on_exit ip netns exec "$NODE" nfacct flush
  ip netns exec "$NODE" iptables-nft-restore <"$GOLDENS/TestOverallIPTablesRules.rules"
  ip netns exec "$NODE" iptables-nft-restore --noflush <"$GOLDENS/jump-rules.derived.rules"
  # As kube-proxy's iptables mode does for localhost NodePorts.
  ip netns exec "$NODE" sysctl -qw net.ipv4.conf.all.route_localnet=1
}

load_nftables() {
  local f=$GOLDENS/TestOverallNFTablesRules.nft
  ip netns exec "$NODE" sysctl -qw net.ipv4.conf.all.route_localnet=0
  { grep -E '^add (table|set|map|chain)' "$f"; grep -vE '^add (table|set|map|chain)' "$f"; } |
    ip netns exec "$NODE" nft -f -
}

# A node runs no Docker, whatever this machine does: whyno-port runs in a
# mount namespace of its own whose /run holds only the network namespaces
# (no docker.sock, podman.sock or /run/user), so it finds no engine and
# follows the packet to the pods.
NO_ENGINE=$T_DIR/no_engine.sh
cat >"$NO_ENGINE" <<'EOF_NO_ENGINE'
#!/usr/bin/env bash
# no_engine.sh NETNS CMD...: CMD in NETNS, with no engine socket in sight.
# With HOST_ROOT=DIR the named namespaces are at DIR/run/netns, not at
# /run/netns, as a debug pod sees the node's under /host. Else, with
# CONTAINERD_TREE=DIR, the node's containerd (DIR/var/lib/containerd,
# DIR/run/containerd) is where a node keeps it.
ns=$1
shift
exec unshare -m --propagation private bash -c '
  keep=$(mktemp -d) && mount --rbind /run "$keep" &&
  mount -t tmpfs -o mode=755 tmpfs /run && mkdir -p /run/netns "${HOST_ROOT:-/}/run/netns" &&
  mount --rbind "$keep/netns" "${HOST_ROOT:-}/run/netns" && umount -l "$keep" && rmdir "$keep" &&
  if [[ -n ${CONTAINERD_TREE:-} && -z ${HOST_ROOT:-} ]]; then
    mkdir /run/containerd && mount --rbind "$CONTAINERD_TREE/run/containerd" /run/containerd &&
    mount -t tmpfs tmpfs /var/lib && mkdir /var/lib/containerd &&
    mount --rbind "$CONTAINERD_TREE/var/lib/containerd" /var/lib/containerd; fi &&
  if [[ -n ${HOST_ROOT:-} ]]; then exec nsenter --net="$HOST_ROOT/run/netns/$0" "$@"; fi &&
  exec ip netns exec "$0" "$@"' "$ns" "$@"
EOF_NO_ENGINE
chmod +x "$NO_ENGINE"

# whyno-port inside the node, which runs no engine.
whyno_in_node() {
  run_whyno_with env CONTAINERD_TREE="$CTD_TREE" "$NO_ENGINE" "$NODE" -- "$@"
}

# whyno-port inside the node, the pod named by its namespace (--netns).
whyno_named() {
  run_whyno_with ip netns exec "$NODE" -- "$@"
}

cases() {
  local mode=$1

  log "case ($mode): a NodePort from another machine reaches its endpoint, found by the packet"
  expect_netns_curl "$T-remote" 192.168.0.2:3003 0
  whyno_in_node 192.168.0.2:3003 --from 203.0.113.2 --json
  expect_verdict reachable
  expect_status 0
  # Named as kubectl names it, from containerd's labels.
  expect_json '.container.name == "ns3/pod3"'
  expect_json '.container.pod.containers == [{"name": "web", "id": $id, "running": true}]' --arg id "$POD3_WEB"
  expect_json 'any(.evidence[]; contains("no container engine runs on this host"))'
  # The remote client is a namespace of this machine: the probe is sent from it.
  expect_probe answered
  expect_text .probe.from "namespace \`$T-remote\` holds it"

  log "case ($mode): the same from a debug pod, the node's / at a host root (--host-root)"
  mkdir -p "$T_DIR/host"
  run_whyno_with env HOST_ROOT="$T_DIR/host" "$NO_ENGINE" "$NODE" -- \
    192.168.0.2:3003 --from 203.0.113.2 --host-root "$T_DIR/host" --no-probe --json
  expect_verdict reachable
  expect_status 0
  expect_json '.container.name == "ns3/pod3"'
  # Without it the pod is still found (by its process), but not by its name.
  run_whyno_with env HOST_ROOT="$T_DIR/host" "$NO_ENGINE" "$NODE" -- \
    192.168.0.2:3003 --from 203.0.113.2 --no-probe --json
  expect_verdict reachable
  expect_json '.container.name != "ns3/pod3"'

  log "case ($mode): pod3's app container exits, its sandbox stays: not running, named"
  ctr_k8s task kill -s KILL "$POD3_WEB"
  ctr_k8s task rm -f "$POD3_WEB" >/dev/null
  expect_netns_curl "$T-remote" 192.168.0.2:3003 7
  whyno_in_node 192.168.0.2:3003 --from 203.0.113.2 --json
  expect_verdict container-not-running
  expect_status 1
  expect_probe refused
  expect_text .summary "pod \`ns3/pod3\`"
  expect_text .summary "\`web\`"
  expect_text .fix "kubectl logs -n ns3 pod3 -c web --previous"
  ctr_k8s containers rm "$POD3_WEB"
  start_pod3_web

  log "case ($mode): the same, the pod named by its namespace"
  whyno_named 192.168.0.2:3003 --from 203.0.113.2 --netns "/run/netns/$T-pod3" --no-probe --json
  expect_verdict reachable
  expect_status 0
  # On the node, with containerd's metadata where a node keeps it, by the pod's name.
  whyno_in_node 192.168.0.2:3003 --from 203.0.113.2 --netns "/run/netns/$T-pod3" --no-probe --json
  expect_verdict reachable
  expect_json '.container.name == "ns3/pod3"' 

  log "case ($mode): a ClusterIP from the node itself, probed"
  ip netns exec "$NODE" curl -sS --max-time 2 http://172.30.0.41:80/ >/dev/null || fail "curl from the node failed"
  whyno_in_node 172.30.0.41:80 --json
  expect_verdict reachable
  expect_status 0
  expect_probe answered
  expect_json '.container.name == $pod' --arg pod "$T-pod1"

  log "case ($mode): svc4 spreads over two pods, and pod5's app is down: about half the connections fail"
  kill "${SERVERS[5]}"
  wait "${SERVERS[5]}" 2>/dev/null || true
  expect_some_fail "$T-remote" 172.30.0.44:80
  whyno_in_node 172.30.0.44:80 --no-probe --json
  expect_verdict container-port-closed
  expect_status 1
  expect_text .summary "spread over 2 endpoints"
  expect_text .summary "$T-pod5"
  start_server 5

  log "case ($mode): a pod's hostPort (CNI portmap) from another machine"
  expect_netns_curl "$T-remote" 192.168.0.2:8080 0
  whyno_in_node 192.168.0.2:8080 --from 203.0.113.2 --no-probe --json
  expect_verdict reachable
  expect_status 0
  expect_json '.container.name == $pod' --arg pod "$T-pod6"

  if [[ $mode == iptables ]]; then
    log "case ($mode): a NodePort on 127.0.0.1, served with route_localnet"
    ip netns exec "$NODE" curl -sS --max-time 2 http://127.0.0.1:3003/ >/dev/null || fail "curl 127.0.0.1:3003 failed"
    whyno_in_node 127.0.0.1:3003 --json
    expect_verdict reachable
    expect_status 0
    expect_probe answered

    log "case ($mode): a NodePort on 127.0.0.1 with route_localnet off: the kernel drops it"
    # portmap turned it on for cni0 too (its snat of localhost hostPorts).
    local cni0_localnet
    cni0_localnet=$(ip netns exec "$NODE" sysctl -n net.ipv4.conf.cni0.route_localnet)
    ip netns exec "$NODE" sysctl -qw net.ipv4.conf.all.route_localnet=0 net.ipv4.conf.cni0.route_localnet=0
    ip netns exec "$NODE" curl -sS --max-time 2 http://127.0.0.1:3003/ >/dev/null 2>&1 &&
      fail "curl 127.0.0.1:3003 answered with route_localnet off"
    whyno_in_node 127.0.0.1:3003 --json
    expect_verdict route-localnet-off
    expect_status 1
    expect_probe timed-out
    expect_text .fix "net.ipv4.conf.cni0.route_localnet=1"
    ip netns exec "$NODE" sysctl -qw net.ipv4.conf.all.route_localnet=1 \
      "net.ipv4.conf.cni0.route_localnet=$cni0_localnet"
  fi

  if [[ $mode == nftables ]]; then
    log "case ($mode): a NodePort on 127.0.0.1, which nftables mode does not serve"
    ip netns exec "$NODE" curl -sS --max-time 2 http://127.0.0.1:3003/ >/dev/null 2>&1 &&
      fail "curl 127.0.0.1:3003 from the node answered"
    whyno_in_node 127.0.0.1:3003 --no-probe --json
    expect_verdict localhost-nodeport-unsupported
    expect_status 1
    expect_text .fix "192.168.0.2:3003"
  fi

  log "case ($mode): a hostPort on a node whose CNI network has no portmap plugin does nothing"
  # The node's CNI network, under the host root a debug pod sees: the
  # bridge plugin alone (host-local is its IPAM), as pod6's chain without
  # its portmap.
  mkdir -p "$T_DIR/host/etc/cni/net.d"
  cat >"$T_DIR/host/etc/cni/net.d/10-wtkube.conflist" <<'EOF_CONF'
{"cniVersion": "0.4.0", "name": "wtkube",
 "plugins": [{"type": "bridge", "bridge": "cni0", "isGateway": true,
              "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.180.0.0/24"}]]}}]}
EOF_CONF
  expect_netns_curl "$T-remote" 192.168.0.2:9090 7
  run_whyno_with env HOST_ROOT="$T_DIR/host" "$NO_ENGINE" "$NODE" -- \
    192.168.0.2:9090 --from 203.0.113.2 --host-root "$T_DIR/host" --json
  expect_verdict hostport-not-mapped
  expect_status 1
  expect_probe refused
  expect_text .summary "10-wtkube.conflist"
  expect_text .fix '"type": "portmap"'
  # With portmap in the network, nothing maps 9090 all the same: no pod has it.
  jq -c '.plugins += [{"type": "portmap", "capabilities": {"portMappings": true}}]' \
    "$T_DIR/host/etc/cni/net.d/10-wtkube.conflist" >"$T_DIR/conflist" &&
    mv "$T_DIR/conflist" "$T_DIR/host/etc/cni/net.d/10-wtkube.conflist"
  run_whyno_with env HOST_ROOT="$T_DIR/host" "$NO_ENGINE" "$NODE" -- \
    192.168.0.2:9090 --from 203.0.113.2 --host-root "$T_DIR/host" --no-probe --json
  expect_verdict nothing-published
  expect_text .summary "portmap"
  rm -r "$T_DIR/host/etc"

  log "case ($mode): externalTrafficPolicy Local, no ready pod on this node"
  expect_netns_curl "$T-remote" 192.168.0.2:3001 28
  whyno_in_node 192.168.0.2:3001 --from 203.0.113.2 --json
  expect_verdict service-no-local-endpoints
  expect_status 1
  expect_probe timed-out
  expect_text .summary "ns2/svc2"
  expect_text .fix "externalTrafficPolicy"

  log "case ($mode): a ClusterIP whose Service has no endpoints, from a pod"
  expect_netns_curl "$T-pod1" 172.30.0.46:80 7
  whyno_in_node 172.30.0.46:80 --from 10.180.0.1 --no-probe --json
  expect_verdict service-no-endpoints
  expect_status 1
  expect_text .summary "ns6/svc6"
  expect_text .fix "kubectl get endpointslices -n ns6"

  log "case ($mode): the same from pod3, named as kubectl names it (--from ns3/pod3)"
  expect_netns_curl "$T-pod3" 172.30.0.46:80 7
  whyno_in_node 172.30.0.46:80 --from ns3/pod3 --json
  expect_verdict service-no-endpoints
  expect_status 1
  expect_text .query.from "ns3/pod3"
  # The probe is sent from the pod's own namespace.
  expect_probe refused
  expect_text .probe.from "ns3/pod3"
  # A pod that is not on this node is the user's mistake, in one sentence
  # (no pod, and no Compose PROJECT/SERVICE, has that name).
  whyno_in_node 172.30.0.46:80 --from ns3/nowhere --no-probe
  expect_status 2
  expect_stderr_one_line

  log "case ($mode): --all lists every NodePort and hostPort of the node"
  whyno_in_node --all --no-probe --json
  expect_json '[.diagnoses[] | select(.item == "NodePort of ns3/svc3:p80")] | length == 1'
  expect_json '.diagnoses[] | select(.item == "NodePort of ns3/svc3:p80") | .verdict == "reachable"'
  expect_json '[.diagnoses[] | select(.item == $hp and .query.port == 8080 and .query.protocol == "tcp")]
    | length == 1 and .[0].verdict == "reachable"' --arg hp "hostPort of $T-pod6"
  expect_json '[.diagnoses[] | select(.item | startswith("NodePort of"))] | length >= 3'

  log "case ($mode): a load balancer IP from outside loadBalancerSourceRanges"
  expect_netns_curl "$T-far" 5.6.7.8:80 28
  whyno_in_node 5.6.7.8:80 --from 203.0.113.200 --no-probe --json
  expect_verdict source-range-blocked
  expect_status 1
  expect_text .summary "ns5/svc5"
}

node_up
log "names: $T-*; kube-proxy iptables mode, CNI portmap (iptables) by the real plugins"
load_iptables
cni_hostport_pod
cases iptables
ip netns exec "$NODE" nft flush ruleset

log "kube-proxy nftables mode, CNI portmap's nftables golden"
load_nftables
load_portmap_nftables
cases nftables
