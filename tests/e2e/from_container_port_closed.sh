#!/usr/bin/env bash
# Seed 001, with seed 000 §8's wrong port: the name resolves and the server
# is up, but nothing listens on the port the client dials.
source "$(dirname "$0")/lib.sh"
require_root_and_docker

create_network "$T-net"
start_server "$T-server" --network "$T-net" -- tcp:0.0.0.0:3000
start_client "$T-client" --network "$T-net"
expect_client "$T-client" "$T-server" 4000 refused

run_whyno "$T-server:4000" --from "$T-client" --json
expect_verdict container-port-closed
expect_status 1
expect_probe refused
