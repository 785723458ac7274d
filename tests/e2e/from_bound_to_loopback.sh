#!/usr/bin/env bash
# Seed 001 §7-8: same network, right name, right port, but the server binds
# 127.0.0.1: traffic from other containers arrives on eth0 and is refused.
source "$(dirname "$0")/lib.sh"
require_root_and_docker

create_network "$T-net"
start_server "$T-server" --network "$T-net" -- tcp:127.0.0.1:3000
start_client "$T-client" --network "$T-net"
expect_client "$T-client" "$T-server" 3000 refused

run_whyno "$T-server:3000" --from "$T-client" --json
expect_verdict bound-to-loopback
expect_status 1
expect_probe refused
expect_json 'any(.listeners[]; .address == "127.0.0.1" and .port == 3000 and .bind == "loopback")'
