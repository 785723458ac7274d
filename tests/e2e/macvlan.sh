#!/usr/bin/env bash
# Issue 18: macvlan. A container on a macvlan network hangs off a parent
# link (here a bridge of the test's own) beside the host's IP stack: other
# machines on the link reach it directly, the host never does through the
# parent (the kernel's rule), and -p is ignored. The fix for the host, a
# macvlan shim of its own, is pasted and proven by curl.
source "$(dirname "$0")/lib.sh"
require_root_and_docker

tag=${T##*-}
parent=wt${tag}p
on_exit ip link delete "$parent"
ip link add "$parent" type bridge
ip addr add 198.18.102.1/24 dev "$parent"
ip link set "$parent" up
create_network "$T-mv" -d macvlan --subnet 198.18.102.0/24 --gateway 198.18.102.1 -o parent="$parent"
start_server "$T-web" --network "$T-mv" --ip 198.18.102.10 -p "$HOST_PORT:3000" -- tcp:0.0.0.0:3000

# Another machine on the parent's link: a namespace on a port of the bridge.
client=$(create_netns lan)
on_exit ip link delete "wt${tag}l"
ip link add "wt${tag}l" type veth peer name eth0 netns "$client"
ip link set "wt${tag}l" master "$parent" up
ip -n "$client" link set lo up
ip -n "$client" addr add 198.18.102.20/24 dev eth0
ip -n "$client" link set eth0 up

log "case: another machine on the parent's link reaches the container"
expect_netns_curl "$client" 198.18.102.10:3000 0
run_whyno 198.18.102.10:3000 --from 198.18.102.20 --json
expect_verdict reachable
expect_status 0
expect_json 'any(.path[]; .hop | startswith("macvlan on \($p)"))' --arg p "$parent"

log "case: the host dials its own macvlan child through the parent"
expect_host_curl 198.18.102.10:3000 7 28
run_whyno 198.18.102.10:3000 --json
expect_verdict macvlan-host-isolated
expect_status 1
expect_probe timed-out unreachable
expect_text .summary "never passes traffic"
expect_json '.fix_commands[0] == "ip link add whyno-shim link \($p) type macvlan mode bridge"' --arg p "$parent"
on_exit ip link delete whyno-shim
for n in 0 1 2; do
  run_fix_command "$n"
done
expect_host_curl 198.18.102.10:3000 0
run_whyno 198.18.102.10:3000 --json
expect_verdict reachable
expect_status 0
expect_probe answered
ip link delete whyno-shim

log "case: -p on a macvlan network is ignored by Docker"
expect_host_curl "localhost:$HOST_PORT" 7
run_whyno "$HOST_PORT" --json
expect_verdict nothing-published
expect_status 1
expect_text .summary "-p $HOST_PORT was ignored"
expect_text .summary "198.18.102.10"
