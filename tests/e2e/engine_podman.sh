#!/usr/bin/env bash
# Rootful podman (issue #9): whyno-port finds its API at
# /run/podman/podman.sock with no environment variable (next to dockerd,
# whose engine it reads too), names it, and explains the seed cases for
# podman's containers: an app bound to 127.0.0.1 (netavark DNATs even
# loopback, so curl is refused), a working port, a wrong container port,
# and a container dialing another by name on a podman network (aardvark-dns).
source "$(dirname "$0")/lib.sh"
require_root_and_docker
source "$E2E_DIR/lib_podman.sh"

WRONG_PORT=${WHYNO_E2E_THIRD_HOST_PORT:-8001}
need_free_host_ports "$WRONG_PORT"
require_podman
if ! podman image exists "$WHYNO_PODMAN_IMAGE"; then
  on_exit podman image rm -f "$WHYNO_PODMAN_IMAGE"
fi
# shellcheck disable=SC2119 # root's storage: no user
build_podman_image
start_podman_service

# podman_server NAME [podman run options...] -- SERVER ARGS: a server
# container, returned once it printed "listening" (read from its log).
podman_server() {
  local name=$1 args=() _
  shift
  while [[ $1 != -- ]]; do
    args+=("$1")
    shift
  done
  shift
  podman_rootful run -d --name "$name" "${args[@]}" "$WHYNO_PODMAN_IMAGE" "$@" >/dev/null
  for _ in $(seq 1 100); do
    if grep -q '^listening ' < <(podman logs "$name" 2>/dev/null); then
      return 0
    fi
    sleep 0.1
  done
  fail "$name did not listen within 10 s: $(podman logs "$name" 2>&1)"
}

podman_rootful network create "$T-net" >/dev/null
podman_server "$T-lo" --network "$T-net" -p "$HOST_PORT:3000" -- tcp:127.0.0.1:3000
podman_server "$T-any" --network "$T-net" -p "$OTHER_HOST_PORT:3000" -- tcp:0.0.0.0:3000
podman_server "$T-wrong" --network "$T-net" -p "$WRONG_PORT:4000" -- tcp:0.0.0.0:3000
podman_rootful run -d --name "$T-cli" --network "$T-net" --entrypoint /bin/busybox \
  "$WHYNO_PODMAN_IMAGE" sleep 3600 >/dev/null

# --- bound to 127.0.0.1: found with no DOCKER_HOST, the engine named --------
expect_host_curl "127.0.0.1:$HOST_PORT" 7
run_whyno_with env -u DOCKER_HOST -u XDG_RUNTIME_DIR -- "$HOST_PORT" --json
expect_verdict bound-to-loopback
expect_status 1
expect_json 'any(.engines[]; .kind == "podman" and .endpoint == "/run/podman/podman.sock"
                 and .rootless == false and .user == 0 and (.version | length) > 0)'
expect_json '.container.name == $name' --arg name "$T-lo"
expect_json 'any(.listeners[]; .address == "127.0.0.1" and .port == 3000 and .bind == "loopback")'
expect_probe refused reset-or-closed

run_whyno_with env -u DOCKER_HOST -- "$HOST_PORT" --color never
expect_status 1
expect_stdout_matches '^Engines?: .*podman [0-9][^ ]* \(rootful\)'

# --- reachable ---------------------------------------------------------------
expect_host_curl "127.0.0.1:$OTHER_HOST_PORT" 0
run_whyno "$OTHER_HOST_PORT" --json
expect_verdict reachable
expect_status 0
expect_probe answered
expect_json '.container.name == $name' --arg name "$T-any"

# --- published to a port nothing listens on ----------------------------------
expect_host_curl "127.0.0.1:$WRONG_PORT" 7 56
run_whyno "$WRONG_PORT" --json
expect_verdict container-port-closed
expect_status 1
expect_json '.fix | contains($want)' --arg want "$WRONG_PORT:3000"

# --- container to container by name, through aardvark-dns --------------------
gateway=$(podman network inspect "$T-net" --format '{{range .Subnets}}{{.Gateway}}{{end}}')
any_ip=$(podman inspect -f "{{(index .NetworkSettings.Networks \"$T-net\").IPAddress}}" "$T-any")
# busybox nslookup asks one server (aardvark); musl's getaddrinfo races it
# against the host's resolver, which answers NXDOMAIN first at random.
answer=$(podman exec "$T-cli" /bin/busybox nslookup "$T-any" "$gateway" 2>&1) || true
log "reality: $T-cli resolves $T-any at $gateway: $(tr '\n' ' ' <<<"$answer")"
[[ $answer == *"$any_ip"* ]] || fail "aardvark-dns did not resolve $T-any to $any_ip"
line=$(timeout 60 podman exec "$T-cli" /client --timeout 3000 "$any_ip" 3000) || true
log "reality: $T-cli dials $any_ip:3000: $line"
[[ $line == connected* ]] || fail "$T-cli could not reach $T-any at $any_ip:3000: $line"

run_whyno "$T-any:3000" --from "$T-cli" --json
expect_verdict reachable
expect_status 0
expect_probe answered connected

line=$(timeout 60 podman exec "$T-cli" /client --timeout 3000 "$(podman inspect -f \
  "{{(index .NetworkSettings.Networks \"$T-net\").IPAddress}}" "$T-lo")" 3000) || true
log "reality: $T-cli dials $T-lo:3000: $line"
[[ $line == refused* ]] || fail "$T-cli reached $T-lo, bound to 127.0.0.1: $line"
run_whyno "$T-lo:3000" --from "$T-cli" --json
expect_verdict bound-to-loopback
expect_status 1

# --- a podman container reaches a service of the host (issue 18) ------------
# podman writes host.containers.internal into every container's /etc/hosts.
HOST_SERVICE_PORT=${WHYNO_E2E_FOURTH_HOST_PORT:-8002}
need_free_host_ports "$HOST_SERVICE_PORT"
host_address=$(podman exec "$T-cli" /bin/busybox awk '$2 == "host.containers.internal" { print $1; exit }' \
  /etc/hosts)
log "reality: $T-cli's /etc/hosts maps host.containers.internal to '${host_address:-nothing}'"
[[ -n $host_address ]] || fail "podman wrote no host.containers.internal line"
start_host_server db "tcp:0.0.0.0:$HOST_SERVICE_PORT"
line=$(timeout 60 podman exec "$T-cli" /client --timeout 3000 host.containers.internal "$HOST_SERVICE_PORT") ||
  true
log "reality: $T-cli dials host.containers.internal:$HOST_SERVICE_PORT: $line"
[[ $line == connected* ]] || fail "$T-cli could not reach the host's service: $line"
run_whyno "host.containers.internal:$HOST_SERVICE_PORT" --from "$T-cli" --json
expect_verdict reachable
expect_status 0
expect_probe answered
expect_text .summary "on the host"
expect_json 'any(.path[]; .hop == "host.containers.internal → \($a)")' --arg a "$host_address"
_kill_host_program "$HOST_SERVER_PID" "$PROGRAMS_DIR/server"
wait "$HOST_SERVER_PID" 2>/dev/null || true

start_host_server db-local "tcp:127.0.0.1:$HOST_SERVICE_PORT"
line=$(timeout 60 podman exec "$T-cli" /client --timeout 3000 host.containers.internal "$HOST_SERVICE_PORT") ||
  true
log "reality: $T-cli dials host.containers.internal:$HOST_SERVICE_PORT: $line"
[[ $line == refused* ]] || fail "$T-cli reached a host service bound to 127.0.0.1: $line"
run_whyno "host.containers.internal:$HOST_SERVICE_PORT" --from "$T-cli" --json
expect_verdict bound-to-loopback
expect_status 1
expect_probe refused
