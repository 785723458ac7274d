#!/usr/bin/env bash
# Seed 001 §6: inside the client container, localhost is the client itself;
# it never means another container.
source "$(dirname "$0")/lib.sh"
require_root_and_docker

create_network "$T-net"
start_server "$T-server" --network "$T-net" -- tcp:0.0.0.0:3000
start_client "$T-client" --network "$T-net"
expect_client "$T-client" localhost 3000 refused

run_whyno localhost:3000 --from "$T-client" --json
expect_verdict localhost-is-self
expect_status 1
expect_probe refused
