#!/usr/bin/env bash
# Issue 18: "my container can't reach Postgres on the host". The client
# container dials host.docker.internal (--add-host host.docker.internal:
# host-gateway, the default bridge's gateway) or the gateway address. The
# packet takes the host's INPUT path: the DNAT of a published port first,
# then every filter INPUT chain, then the host's listener.
source "$(dirname "$0")/lib.sh"
require_root_and_docker

GATEWAY=$(docker network inspect -f '{{(index .IPAM.Config 0).Gateway}}' bridge)
start_client "$T-client" --add-host host.docker.internal:host-gateway

log "case: a host app on 0.0.0.0, dialled as host.docker.internal"
start_host_server db "tcp:0.0.0.0:$OTHER_HOST_PORT"
expect_client "$T-client" host.docker.internal "$OTHER_HOST_PORT" connected
run_whyno "host.docker.internal:$OTHER_HOST_PORT" --from "$T-client" --json
expect_verdict reachable
expect_status 0
expect_probe answered
expect_text .summary "on the host"
expect_json 'any(.path[]; .hop == "host.docker.internal → \($gw)")' --arg gw "$GATEWAY"

log "case: the same by the gateway's address"
run_whyno "$GATEWAY:$OTHER_HOST_PORT" --from "$T-client" --json
expect_verdict reachable
expect_status 0
expect_probe answered

log "case: a host INPUT rule drops what comes from the bridge"
add_iptables_rule INPUT -i docker0 -p tcp --dport "$OTHER_HOST_PORT" -j DROP
expect_client "$T-client" host.docker.internal "$OTHER_HOST_PORT" timeout
run_whyno "host.docker.internal:$OTHER_HOST_PORT" --from "$T-client" --json
expect_verdict firewall-blocked
expect_status 1
expect_json 'any(.rules[]; .chain == "INPUT" and .action == "drop")'
remove_iptables_rule INPUT -i docker0 -p tcp --dport "$OTHER_HOST_PORT" -j DROP
_kill_host_program "$HOST_SERVER_PID" "$PROGRAMS_DIR/server"
wait "$HOST_SERVER_PID" 2>/dev/null || true

log "case: the host app binds 127.0.0.1 only"
start_host_server db-local "tcp:127.0.0.1:$OTHER_HOST_PORT"
expect_client "$T-client" host.docker.internal "$OTHER_HOST_PORT" refused
run_whyno "host.docker.internal:$OTHER_HOST_PORT" --from "$T-client" --json
expect_verdict bound-to-loopback
expect_status 1
expect_probe refused
expect_text .fix "$GATEWAY:$OTHER_HOST_PORT"
_kill_host_program "$HOST_SERVER_PID" "$PROGRAMS_DIR/server"
wait "$HOST_SERVER_PID" 2>/dev/null || true

log "case: nothing listens on the host"
expect_client "$T-client" host.docker.internal "$OTHER_HOST_PORT" refused
run_whyno "host.docker.internal:$OTHER_HOST_PORT" --from "$T-client" --json
expect_status 1
expect_probe refused

log "case: a container publishes on 0.0.0.0; another dials it as host.docker.internal"
start_server "$T-web" -p "$HOST_PORT:3000" -- tcp:0.0.0.0:3000
expect_client "$T-client" host.docker.internal "$HOST_PORT" connected
run_whyno "host.docker.internal:$HOST_PORT" --from "$T-client" --json
expect_verdict reachable
expect_status 0
expect_probe answered
expect_json '.container.name | ltrimstr("/") == $name' --arg name "$T-web"

log "case: a container publishes on 127.0.0.1 only"
start_server "$T-local" -p "127.0.0.1:$OTHER_HOST_PORT:3000" -- tcp:0.0.0.0:3000
expect_client "$T-client" host.docker.internal "$OTHER_HOST_PORT" refused
run_whyno "host.docker.internal:$OTHER_HOST_PORT" --from "$T-client" --json
expect_verdict host-address-mismatch
expect_status 1
expect_probe refused
expect_text .summary "127.0.0.1"

log "case: a client without --add-host has no host.docker.internal"
start_client "$T-plain"
expect_client "$T-plain" host.docker.internal "$HOST_PORT" unresolved
run_whyno "host.docker.internal:$HOST_PORT" --from "$T-plain" --json
expect_verdict name-not-resolvable
expect_status 1
expect_text .fix "--add-host host.docker.internal:host-gateway"

log "case: another machine reaches a service of the host, then it binds 127.0.0.1"
create_remote_client remote
REMOTE_PORT=${WHYNO_E2E_FOURTH_HOST_PORT:-8002}
need_free_host_ports "$REMOTE_PORT"
start_host_server ssh "tcp:0.0.0.0:$REMOTE_PORT"
expect_netns_curl "$REMOTE_NS" "$REMOTE_HOST_ADDR:$REMOTE_PORT" 0
run_whyno "$REMOTE_HOST_ADDR:$REMOTE_PORT" --from "$REMOTE_CLIENT_ADDR" --json
expect_verdict reachable
expect_status 0
expect_text .summary "on the host"
_kill_host_program "$HOST_SERVER_PID" "$PROGRAMS_DIR/server"
wait "$HOST_SERVER_PID" 2>/dev/null || true
start_host_server ssh-local "tcp:127.0.0.1:$REMOTE_PORT"
expect_netns_curl "$REMOTE_NS" "$REMOTE_HOST_ADDR:$REMOTE_PORT" 7
run_whyno "$REMOTE_HOST_ADDR:$REMOTE_PORT" --from "$REMOTE_CLIENT_ADDR" --json
expect_verdict bound-to-loopback
expect_status 1
