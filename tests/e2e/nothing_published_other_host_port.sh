#!/usr/bin/env bash
# Seed 000 §9: published as -p 8000:3000, dialled on 8080. The host only
# listens on the left side of -p; 8000 works, 8080 never enters Docker.
source "$(dirname "$0")/lib.sh"
require_root_and_docker

start_server "$T-web" -p "$OTHER_HOST_PORT:3000" -- tcp:0.0.0.0:3000
expect_host_curl "localhost:$HOST_PORT" 7
expect_host_curl "localhost:$OTHER_HOST_PORT" 0

run_whyno "$HOST_PORT" --json
expect_verdict nothing-published
expect_status 1
expect_probe refused
expect_json '(.summary + " " + .fix) | contains($port)' --arg port "$OTHER_HOST_PORT"
