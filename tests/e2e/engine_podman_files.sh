#!/usr/bin/env bash
# Rootful podman with no API service (issue #9): whyno-port reads podman from
# its files (c/storage's containers.json, each container's OCI spec, pidfile
# and hosts file, netavark's and aardvark-dns's files) and follows netavark's
# DNAT to the container: bound-to-loopback on the default network, reachable
# on a user network, and --from by name through aardvark-dns. The port
# bindings, which podman keeps in its database only, come from
# libpod/bolt_state.db, so the engine's side is known too.
source "$(dirname "$0")/lib.sh"
require_root_and_docker
source "$E2E_DIR/lib_podman.sh"

require_podman
if _socket_pings /run/podman/podman.sock; then
  echo "SKIP: $TEST_NAME: a podman API answers on /run/podman/podman.sock (a concurrent test's)"
  exit 125
fi
if ! podman image exists "$WHYNO_PODMAN_IMAGE"; then
  on_exit podman image rm -f "$WHYNO_PODMAN_IMAGE"
fi
# shellcheck disable=SC2119 # root's storage: no user
build_podman_image

podman_server() {
  local name=$1 _
  shift
  podman_rootful run -d --name "$name" "$@" >/dev/null
  for _ in $(seq 1 100); do
    grep -q '^listening ' < <(podman logs "$name" 2>/dev/null) && return 0
    sleep 0.1
  done
  fail "$name did not listen within 10 s: $(podman logs "$name" 2>&1)"
}
podman_rootful network create "$T-net" >/dev/null
podman_server "$T-lo" -p "$HOST_PORT:3000" "$WHYNO_PODMAN_IMAGE" tcp:127.0.0.1:3000
podman_server "$T-any" --network "$T-net" -p "$OTHER_HOST_PORT:3000" "$WHYNO_PODMAN_IMAGE" tcp:0.0.0.0:3000
podman_rootful run -d --name "$T-cli" --network "$T-net" --entrypoint /bin/busybox \
  "$WHYNO_PODMAN_IMAGE" sleep 3600 >/dev/null

expect_host_curl "127.0.0.1:$HOST_PORT" 7
run_whyno "$HOST_PORT" --json
expect_verdict bound-to-loopback
expect_status 1
expect_json '.container.name == $name' --arg name "$T-lo"
expect_json 'any(.engines[]; .kind == "podman" and .from_files == true
                 and .endpoint == "/var/lib/containers/storage")'
expect_json 'all(.unread[]; .source != "podman'"'"'s port bindings")'
expect_text '.evidence | join(" ")' "publishes $HOST_PORT → 3000/tcp"
expect_json '.disagreements == []'
expect_probe refused

expect_host_curl "127.0.0.1:$OTHER_HOST_PORT" 0
run_whyno "$OTHER_HOST_PORT" --json
expect_verdict reachable
expect_status 0
expect_json '.container.name == $name' --arg name "$T-any"
expect_probe answered

gateway=$(podman network inspect "$T-net" --format '{{range .Subnets}}{{.Gateway}}{{end}}')
answer=$(podman exec "$T-cli" /bin/busybox nslookup "$T-any" "$gateway" 2>&1) || true
[[ $answer == *"Name:"*"$T-any"* ]] || fail "aardvark-dns did not resolve $T-any: $answer"
run_whyno "$T-any:3000" --from "$T-cli" --json
expect_verdict reachable
expect_status 0
expect_probe answered connected

run_whyno "$HOST_PORT" --color never
expect_stdout_matches '^Engines?: .*podman \(rootful, read from its files: no API answered\)'
