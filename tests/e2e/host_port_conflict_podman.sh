#!/usr/bin/env bash
# Docker and podman side by side (issue #9): a podman container holds host
# port HOST_PORT (conmon reserves it, netavark DNATs it), so a Docker
# container published on the same port cannot start. whyno-port reads both
# engines at once and says which container of which engine has the port.
source "$(dirname "$0")/lib.sh"
require_root_and_docker
source "$E2E_DIR/lib_podman.sh"

require_podman
if ! podman image exists "$WHYNO_PODMAN_IMAGE"; then
  on_exit podman image rm -f "$WHYNO_PODMAN_IMAGE"
fi
# shellcheck disable=SC2119 # root's storage: no user
build_podman_image
start_podman_service

podman_rootful run -d --name "$T-pod" -p "$HOST_PORT:3000" "$WHYNO_PODMAN_IMAGE" tcp:0.0.0.0:3000 >/dev/null
for _ in $(seq 1 100); do
  grep -q '^listening ' < <(podman logs "$T-pod" 2>/dev/null) && break
  sleep 0.1
done
if run_container "$T-dock" -p "$HOST_PORT:3000" "$IMAGE" tcp:0.0.0.0:3000 2>"$T_DIR/run.err"; then
  fail "docker run -p $HOST_PORT:3000 succeeded although podman holds the port"
fi
log "reality: docker run: $(<"$T_DIR/run.err")"
grep -q "address already in use" "$T_DIR/run.err" || fail "docker run failed for another reason"
expect_host_curl "127.0.0.1:$HOST_PORT" 0
pod_id=$(podman inspect -f '{{.Id}}' "$T-pod")
grep -q "${pod_id:0:12}" < <(curl -sS --max-time 2 "http://127.0.0.1:$HOST_PORT/") ||
  fail "port $HOST_PORT is not answered by the podman container"

run_whyno "$HOST_PORT" --container "$T-dock" --json
expect_verdict host-port-conflict
expect_status 1
expect_json '.container.name == $name' --arg name "$T-dock"
expect_text .summary "belongs to container \`$T-pod\`"
expect_json '[.engines[].kind] | index("docker") != null and index("podman") != null'
expect_probe answered

# Without --container, curl reaches the podman container: that is the answer.
run_whyno "$HOST_PORT" --json
expect_verdict reachable
expect_status 0
expect_json '.container.name == $name' --arg name "$T-pod"
expect_text '.evidence | join(" ")' "\`$T-dock\` publishes $HOST_PORT"

# One name in both engines: --container NAME is ambiguous (exit 2) and names
# each with its engine; the id picks one.
podman_rootful create --name "$T-dock" "$WHYNO_PODMAN_IMAGE" tcp:0.0.0.0:3000 >/dev/null
run_whyno "$HOST_PORT" --container "$T-dock" --json
expect_status 2
expect_stderr_one_line
expect_stderr_matches "names 2 containers of different engines: .* of docker .* and .* of podman"
dock_id=$(docker inspect -f '{{.Id}}' "$T-dock")
run_whyno "$HOST_PORT" --container "${dock_id:0:12}" --json
expect_status 1
expect_verdict host-port-conflict
