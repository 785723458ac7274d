#!/usr/bin/env bash
# Another machine dials this host's address on the published port: DNAT in
# PREROUTING, FORWARD, the container. whyno-port cannot send from there,
# so it diagnoses from the facts and skips the probe.
source "$(dirname "$0")/lib.sh"
require_root_and_docker

start_server "$T-web" -p "$HOST_PORT:3000" -- tcp:0.0.0.0:3000
create_remote_client remote
expect_netns_curl "$REMOTE_NS" "$REMOTE_HOST_ADDR:$HOST_PORT" 0

run_whyno "$REMOTE_HOST_ADDR:$HOST_PORT" --from "$REMOTE_CLIENT_ADDR" --json
expect_verdict reachable
expect_status 0
expect_probe answered  # sent from the client's own namespace
expect_json '.container.name | ltrimstr("/") == $name' --arg name "$T-web"
expect_json '[.path[].ok] | all'
expect_json 'any(.path[]; .detail | contains($veth))' --arg veth "$REMOTE_HOST_IF"
