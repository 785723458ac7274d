#!/usr/bin/env bash
# Seed 000 §6: the image EXPOSEs 3000 and the app listens, but the container
# runs without -p: nothing on the host takes port 8080.
source "$(dirname "$0")/lib.sh"
require_root_and_docker

start_server "$T-web" --expose 3000 -- tcp:0.0.0.0:3000
expect_host_curl "localhost:$HOST_PORT" 7

run_whyno "$HOST_PORT"
expect_status 1

run_whyno "$HOST_PORT" --json
expect_verdict nothing-published
expect_status 1
expect_probe refused
expect_json '.fix | contains($want)' --arg want "-p $HOST_PORT:3000"
