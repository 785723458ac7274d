#!/usr/bin/env bash
# Issue 18: follow the packet, not the engine. A plain `ip netns` server
# behind a DNAT rule written by hand (what containerd, a Kubernetes pod, LXC
# or a script leave behind) is found by the address the packet is sent to,
# with Docker running (it knows nothing of it) and with no engine at all.
# No engine is a host like any other: never exit 3 for that alone. dockerd
# is started again at the end, whatever happens.
source "$(dirname "$0")/lib.sh"
require_root_and_docker
on_exit ensure_dockerd

ns=$(create_veth_netns srv s 198.18.101.1/24 198.18.101.2/24)
tag=${T##*-}

log=$T_DIR/server.log
ip netns exec "$ns" setsid "$PROGRAMS_DIR/server" tcp:0.0.0.0:3000 </dev/null >"$log" 2>&1 &
server=$!
on_exit _kill_host_program "$server" "$PROGRAMS_DIR/server"
_wait_log_line "$log" '^listening tcp .*:3000$' "$server" || fail "the server did not start: $(cat "$log")"

# The DNAT a runtime would write for a "published" port: this host's
# address 198.18.101.1, port HOST_PORT, to the namespace's 3000.
add_nft_table ip "wt_${tag}" <<EOF
chain out {
  type nat hook output priority -100;
  ip daddr 198.18.101.1 tcp dport $HOST_PORT dnat to 198.18.101.2:3000
}
EOF

log "case: Docker runs and knows nothing of the namespace the DNAT leads to"
expect_host_curl "198.18.101.1:$HOST_PORT" 0
run_whyno "198.18.101.1:$HOST_PORT" --json
expect_verdict reachable
expect_status 0
expect_probe answered
expect_json '.container.name == $name' --arg name "$ns"
expect_json 'any(.path[]; .hop | startswith("DNAT 198.18.101.2:3000"))'

log "case: no engine at all"
dockerd_pid=$(pgrep -xo dockerd) || fail "no dockerd process"
kill -TERM "$dockerd_pid"
for _ in $(seq 1 300); do
  kill -0 "$dockerd_pid" 2>/dev/null || break
  sleep 0.1
done
kill -0 "$dockerd_pid" 2>/dev/null && fail "dockerd did not stop"
for socket in /var/run/docker.sock /run/podman/podman.sock /run/user/*/docker.sock \
              /run/user/*/podman/podman.sock; do
  [[ -S $socket ]] && fail "an engine's socket is still there ($socket): this case needs none"
done
run_whyno "198.18.101.1:$HOST_PORT" --json
expect_verdict reachable
expect_status 0
expect_probe answered
expect_json '.container.name == $name' --arg name "$ns"
expect_json 'any(.evidence[]; contains("no container engine runs on this host"))'
expect_json '.engines == []'

log "case: no engine, the app stopped: the namespace's port is closed"
_kill_host_program "$server" "$PROGRAMS_DIR/server"
wait "$server" 2>/dev/null || true
expect_host_curl "198.18.101.1:$HOST_PORT" 7
run_whyno "198.18.101.1:$HOST_PORT" --json
expect_verdict container-port-closed
expect_status 1
expect_probe refused
expect_text .summary "namespace \`$ns\`"

log "case: no engine, a host service on $OTHER_HOST_PORT"
start_host_server plain "tcp:0.0.0.0:$OTHER_HOST_PORT"
expect_host_curl "localhost:$OTHER_HOST_PORT" 0
run_whyno "$OTHER_HOST_PORT" --json
expect_status 0
expect_verdict reachable
expect_probe answered

log "case: no engine, nothing on port $((OTHER_HOST_PORT + 1))"
expect_host_curl "localhost:$((OTHER_HOST_PORT + 1))" 7
run_whyno "$((OTHER_HOST_PORT + 1))" --json
expect_status 1
expect_probe refused
