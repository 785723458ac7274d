#!/usr/bin/env bash
# Seed 001 §3: a one-character typo, day8-net vs day8-network, puts server
# and client on different networks; the client cannot even resolve the name.
source "$(dirname "$0")/lib.sh"
require_root_and_docker

create_network "$T-net"
create_network "$T-network"
start_server "$T-server" --network "$T-net" -- tcp:0.0.0.0:3000
start_client "$T-client" --network "$T-network"
expect_client "$T-client" "$T-server" 3000 unresolved

run_whyno "$T-server:3000" --from "$T-client" --json
expect_verdict no-shared-network
expect_status 1
expect_probe unresolved
# \b: the name "$T-net" must appear on its own, not only inside "$T-network".
expect_json 'tojson | test($a + "\\b") and test($b + "\\b")' --arg a "$T-net" --arg b "$T-network"
