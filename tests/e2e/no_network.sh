#!/usr/bin/env bash
# --network none: the container has loopback only; -p is ignored and
# nothing outside the container can reach the app.
source "$(dirname "$0")/lib.sh"
require_root_and_docker

start_server "$T-web" --network none -p "$HOST_PORT:3000" -- tcp:0.0.0.0:3000
expect_host_curl "localhost:$HOST_PORT" 7

run_whyno "$HOST_PORT" --json
expect_verdict no-network
expect_status 1
expect_probe refused
expect_json '.container.name | ltrimstr("/") == $name' --arg name "$T-web"
expect_text .summary "--network none"
