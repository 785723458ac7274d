#!/usr/bin/env bash
# Any runtime by PID or namespace: a plain `ip netns` "container" (what
# containerd, a Kubernetes pod, LXC or ip netns leave behind) runs the test
# server, with no engine to ask. --netns PATH and --pid PID diagnose its
# app side (listeners, binds, owners) and the host's path to its address.
source "$(dirname "$0")/lib.sh"
require_root_and_docker

ns=$(create_veth_netns app n 198.18.100.1/24 198.18.100.2/24)

log=$T_DIR/server.log
ip netns exec "$ns" setsid "$PROGRAMS_DIR/server" tcp:0.0.0.0:3000 tcp:127.0.0.1:3001 \
  </dev/null >"$log" 2>&1 &
server=$!
on_exit _kill_host_program "$server" "$PROGRAMS_DIR/server"
_wait_log_line "$log" '^listening tcp .*:3001$' "$server" || fail "the server did not start: $(cat "$log")"

log "case: the app listens on 0.0.0.0:3000 (--netns)"
expect_host_curl 198.18.100.2:3000 0
run_whyno 3000 --netns "/run/netns/$ns" --json
expect_verdict reachable
expect_status 0
expect_probe connected answered
expect_json '.query.netns == $path' --arg path "/run/netns/$ns"
expect_text .summary "198.18.100.2:3000"
expect_json 'any(.evidence[]; contains("no engine"))'

log "case: the app listens on 127.0.0.1:3001 only (--pid)"
expect_host_curl 198.18.100.2:3001 7
run_whyno 3001 --pid "$server" --json
expect_verdict bound-to-loopback
expect_status 1
expect_probe refused
expect_text .summary "127.0.0.1:3001"
expect_text .summary "namespace \`pid $server\`"

log "case: nothing listens on 3002"
expect_host_curl 198.18.100.2:3002 7
run_whyno 3002 --pid "$server" --json
expect_verdict container-port-closed
expect_status 1
expect_probe refused

log "case: the text output names the namespace"
run_whyno 3001 --netns "/run/netns/$ns" --color never
expect_status 1
expect_stdout_matches "namespace \`/run/netns/$ns\`"

log "case: what is not a namespace is one sentence, exit 2"
run_whyno 3000 --netns /etc/hostname
expect_status 2
expect_stderr_one_line
expect_stderr_matches 'is not a network namespace'
run_whyno 3000 --pid 999999999
expect_status 2
expect_stderr_one_line
run_whyno 3000 --pid "$$" --json
expect_status 2
expect_stderr_matches "this host's own network namespace"
