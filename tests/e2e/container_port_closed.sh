#!/usr/bin/env bash
# Seed 000 §8: -p 8080:4000 while the app listens on 3000. Docker forwards
# blindly to 4000, where nothing listens: "Empty reply from server".
source "$(dirname "$0")/lib.sh"
require_root_and_docker

start_server "$T-web" -p "$HOST_PORT:4000" -- tcp:0.0.0.0:3000
expect_host_curl "localhost:$HOST_PORT" 52 56

run_whyno "$HOST_PORT" --json
expect_verdict container-port-closed
expect_status 1
expect_probe reset-or-closed
expect_json '.fix | contains($want)' --arg want "-p $HOST_PORT:3000"
