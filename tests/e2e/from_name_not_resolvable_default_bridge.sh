#!/usr/bin/env bash
# Seed 001 §1: Docker's DNS serves names on user-defined networks only. On
# the default bridge the client reaches the server's IP but not its name.
source "$(dirname "$0")/lib.sh"
require_root_and_docker

start_server "$T-server" -- tcp:0.0.0.0:3000
start_client "$T-client"
expect_client "$T-client" "$T-server" 3000 unresolved
expect_client "$T-client" "$(container_ip "$T-server")" 3000 connected

run_whyno "$T-server:3000" --from "$T-client" --json
expect_verdict name-not-resolvable
expect_status 1
expect_probe unresolved
