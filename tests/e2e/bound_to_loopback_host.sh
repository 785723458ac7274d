#!/usr/bin/env bash
# Seed 000 §10: the app binds 127.0.0.1:3000 inside the container; Docker
# forwards to eth0, where nothing listens: "Empty reply from server".
source "$(dirname "$0")/lib.sh"
require_root_and_docker

start_server "$T-web" -p "$HOST_PORT:3000" -- tcp:127.0.0.1:3000
expect_host_curl "localhost:$HOST_PORT" 52 56

run_whyno "$HOST_PORT" --json
expect_verdict bound-to-loopback
expect_status 1
expect_probe reset-or-closed
expect_json 'any(.listeners[]; .address == "127.0.0.1" and .port == 3000
                 and .bind == "loopback" and any(.processes[]; .name == "server"))'
