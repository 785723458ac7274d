#!/usr/bin/env bash
# Catalogue #9: `-p 127.0.0.1:8080:3000` publishes on that host address
# only; a client dialling any other address of the host is refused.
source "$(dirname "$0")/lib.sh"
require_root_and_docker

start_server "$T-web" -p "127.0.0.1:$HOST_PORT:3000" -- tcp:0.0.0.0:3000
expect_host_curl "127.0.0.1:$HOST_PORT" 0

log "case: this host dials another loopback address"
expect_host_curl "127.0.0.2:$HOST_PORT" 7
run_whyno "127.0.0.2:$HOST_PORT" --json
expect_verdict host-address-mismatch
expect_status 1
expect_probe refused
expect_text .fix "127.0.0.1:$HOST_PORT"

log "case: another machine dials this host's address"
create_remote_client remote
expect_netns_curl "$REMOTE_NS" "$REMOTE_HOST_ADDR:$HOST_PORT" 7
run_whyno "$REMOTE_HOST_ADDR:$HOST_PORT" --from "$REMOTE_CLIENT_ADDR" --json
expect_verdict host-address-mismatch
expect_status 1
expect_probe refused  # sent from the client's own namespace
expect_text .summary "only on 127.0.0.1"
expect_text .fix "-p $HOST_PORT:3000"
