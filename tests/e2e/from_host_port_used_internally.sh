#!/usr/bin/env bash
# Seed 001 "why ports are useless internally": the server is published as
# -p 8080:3000, but between containers the host port means nothing; the
# client must dial server:3000.
source "$(dirname "$0")/lib.sh"
require_root_and_docker

create_network "$T-net"
start_server "$T-server" --network "$T-net" -p "$HOST_PORT:3000" -- tcp:0.0.0.0:3000
start_client "$T-client" --network "$T-net"
expect_host_curl "localhost:$HOST_PORT" 0
expect_client "$T-client" "$T-server" "$HOST_PORT" refused

run_whyno "$T-server:$HOST_PORT" --from "$T-client" --json
expect_verdict host-port-used-internally
expect_status 1
expect_probe refused
expect_json '.fix | contains($want)' --arg want "$T-server:3000"
