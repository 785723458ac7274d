#!/usr/bin/env bash
# Issue 18: a sidecar (--network container:web) serves the port web
# publishes. The process runs in the sidecar's container, so summaries and
# fixes name it, with the namespace's owner as context.
source "$(dirname "$0")/lib.sh"
require_root_and_docker

log "case: the sidecar's app serves web's published port"
start_client "$T-web" -p "$HOST_PORT:3000"
start_server "$T-app" --network "container:$T-web" -- tcp:0.0.0.0:3000
expect_host_curl "localhost:$HOST_PORT" 0
run_whyno "$HOST_PORT" --json
expect_verdict reachable
expect_status 0
expect_probe answered
expect_text .summary "container \`$T-app\` (sharing the network namespace of container \`$T-web\`)"

log "case: the sidecar's app binds 127.0.0.1"
start_client "$T-web2" -p "$OTHER_HOST_PORT:3001"
start_server "$T-lo" --network "container:$T-web2" -- tcp:127.0.0.1:3001
expect_host_curl "localhost:$OTHER_HOST_PORT" 52 56
run_whyno "$OTHER_HOST_PORT" --json
expect_verdict bound-to-loopback
expect_status 1
expect_probe reset-or-closed
expect_text .summary "container \`$T-lo\` (sharing the network namespace of container \`$T-web2\`)"
expect_text .fix "container \`$T-lo\`"
