#!/usr/bin/env bash
# Seed 000 §7: `docker run -p 8080:3000`, the app on 0.0.0.0:3000, then
# `curl localhost:8080` works. whyno-port must agree, and say so with exit 0.
source "$(dirname "$0")/lib.sh"
require_root_and_docker

start_server "$T-web" -p "$HOST_PORT:3000" -- tcp:0.0.0.0:3000
expect_host_curl "localhost:$HOST_PORT" 0

run_whyno "$HOST_PORT" --json
expect_verdict reachable
expect_status 0
expect_probe answered
expect_json '.container.name | ltrimstr("/") == $name' --arg name "$T-web"
expect_json '[.path[].ok] | all'

run_whyno "127.0.0.1:$HOST_PORT"
expect_status 0
