#!/usr/bin/env bash
# Catalogue #11: the app listens on [::]:3000 with IPV6_V6ONLY; Docker
# forwards over IPv4 to the container's 172.17.x address, which that socket
# never takes. (Binding [::] needs no sysctl: the default bridge container
# has IPv6 sockets even without IPv6 addresses.)
source "$(dirname "$0")/lib.sh"
require_root_and_docker

start_server "$T-web" -p "$HOST_PORT:3000" -- --v6only 'tcp:[::]:3000'
expect_host_curl "localhost:$HOST_PORT" 52 56

run_whyno "$HOST_PORT" --json
expect_verdict v6only-listener
expect_status 1
expect_probe reset-or-closed
expect_json 'any(.listeners[]; .address == "::" and .port == 3000 and .v6only
                 and any(.processes[]; .name == "server"))'
expect_text .summary "IPV6_V6ONLY"
