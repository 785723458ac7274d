#!/usr/bin/env bash
# Catalogue #6: with --network host Docker ignores -p ("Published ports are
# discarded"); the app listens on the host itself, on its own port.
source "$(dirname "$0")/lib.sh"
require_root_and_docker

app_port=$((HOST_PORT + 7))
need_free_host_ports "$app_port"
start_server "$T-web" --network host -p "$HOST_PORT:3000" -- "tcp:0.0.0.0:$app_port"
expect_host_curl "localhost:$HOST_PORT" 7
expect_host_curl "localhost:$app_port" 0

run_whyno "$HOST_PORT" --json
expect_verdict host-network
expect_status 1
expect_probe refused
expect_json 'any(.listeners[]; .port == $port and any(.processes[]; .name == "server"))' \
  --argjson port "$app_port"
# The user needs the port to dial instead; the tool knows it.
expect_text .summary "0.0.0.0:$app_port"
# The container shares the host's namespace, but its listeners are its
# processes' sockets, not every socket on the host.
expect_json 'all(.listeners[]; any(.processes[]; .name == "server"))'
