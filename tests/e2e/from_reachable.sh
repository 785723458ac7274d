#!/usr/bin/env bash
# Seed 001 §5: server and client on one user-defined network; the client
# dials server:3000 by name through Docker's DNS, no -p needed.
source "$(dirname "$0")/lib.sh"
require_root_and_docker

create_network "$T-net"
start_server "$T-server" --network "$T-net" -- tcp:0.0.0.0:3000
start_client "$T-client" --network "$T-net"
expect_client "$T-client" "$T-server" 3000 connected

run_whyno "$T-server:3000" --from "$T-client" --json
expect_verdict reachable
expect_status 0
expect_probe answered
