#!/usr/bin/env bash
# Catalogue #12: tcp on one side, udp on the other. `-p 8080:53/udp`
# publishes udp only; `-p 8080:3000` means tcp while the app speaks udp.
source "$(dirname "$0")/lib.sh"
require_root_and_docker

log "case: published for udp, dialled over tcp"
start_server "$T-dns" -p "$HOST_PORT:53/udp" -- udp:0.0.0.0:53
expect_host_curl "localhost:$HOST_PORT" 7

run_whyno "$HOST_PORT" --json
expect_verdict protocol-mismatch
expect_status 1
expect_probe refused
expect_text .summary "udp only"
expect_text .fix "$HOST_PORT/udp"
docker rm -f "$T-dns" >/dev/null

log "case: published for tcp, the app listens on udp"
start_server "$T-web" -p "$HOST_PORT:3000" -- udp:0.0.0.0:3000
# docker-proxy accepts, then cannot reach a tcp listener behind it.
expect_host_curl "localhost:$HOST_PORT" 52 56

run_whyno "$HOST_PORT" --json
expect_verdict protocol-mismatch
expect_status 1
expect_probe reset-or-closed
expect_json 'any(.listeners[]; .protocol == "udp" and .port == 3000 and any(.processes[]; .name == "server"))'
expect_text .fix "-p $HOST_PORT:3000/udp"
