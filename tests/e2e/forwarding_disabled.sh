#!/usr/bin/env bash
# Catalogue #14: the host does not forward packets arriving on the client's
# interface. Only this test's own veth is switched off (its per-interface
# sysctl), never net.ipv4.ip_forward.
source "$(dirname "$0")/lib.sh"
require_root_and_docker

start_server "$T-web" -p "$HOST_PORT:3000" -- tcp:0.0.0.0:3000
create_remote_client remote
remote_target=$REMOTE_HOST_ADDR:$HOST_PORT
expect_netns_curl "$REMOTE_NS" "$remote_target" 0

sysctl_name=net.ipv4.conf.$REMOTE_HOST_IF.forwarding
set_host_sysctl "$sysctl_name" 0
expect_netns_curl "$REMOTE_NS" "$remote_target" 28
# Clients on this host do not need forwarding.
expect_host_curl "localhost:$HOST_PORT" 0

run_whyno "$remote_target" --from "$REMOTE_CLIENT_ADDR" --json
expect_verdict forwarding-disabled
expect_status 1
expect_probe timed-out  # sent from the client's own namespace
expect_text .summary "$sysctl_name"
