#!/usr/bin/env bash
# Rootless podman (issue #9): run as root, whyno-port finds a user's API at
# /run/user/UID/podman/podman.sock with no environment variable, next to
# dockerd, and names it "podman 4.3.1 (rootless, uid UID)". Its published
# ports are held by rootlessport, which dials the container's slirp4netns
# address (10.0.2.100) from inside the container's namespace: whyno-port
# follows it to the app, and curl proves each verdict: a working app
# (reachable), the seed's loopback bind (bound-to-loopback: rootlessport
# accepts, then resets) and an app on another port (container-port-closed).
source "$(dirname "$0")/lib.sh"
require_root_and_docker
source "$E2E_DIR/lib_podman.sh"

require_podman
need_free_host_ports $((HOST_PORT + 1)) $((HOST_PORT + 2))
user="wp${T##*-}"
create_rootless_user "$user"
build_podman_image "$user"
start_rootless_podman_service "$user"

run_rootless_app podman_rootless "$user" "$T-rl" "$HOST_PORT" tcp:0.0.0.0:3000
run_rootless_app podman_rootless "$user" "$T-lo" $((HOST_PORT + 1)) tcp:127.0.0.1:3000
run_rootless_app podman_rootless "$user" "$T-wp" $((HOST_PORT + 2)) tcp:0.0.0.0:3001

# 1. A working app: reachable, through rootlessport, with no variable set.
expect_host_curl "127.0.0.1:$HOST_PORT" 0
run_whyno_with env -u DOCKER_HOST -u XDG_RUNTIME_DIR -- "$HOST_PORT" --json
expect_status 0
expect_verdict reachable
expect_json 'any(.engines[]; .kind == "podman" and .rootless == true and .user == $uid
                 and .endpoint == $sock)' \
  --argjson uid "$ROOTLESS_UID" --arg sock "$ROOTLESS_PODMAN_SOCK"
expect_json '.container.name == $name' --arg name "$T-rl"
expect_json '.path[1].hop | startswith("rootlessport (uid \($uid)) → 10.0.2.100:3000")' \
  --argjson uid "$ROOTLESS_UID"
expect_json 'all(.path[]; .state == "ok")'
expect_probe answered

run_whyno_with env -u DOCKER_HOST -- "$HOST_PORT" --color never
expect_status 0
expect_stdout_matches "podman [0-9][^ ]* \\(rootless, uid $ROOTLESS_UID\\)"
expect_stdout_matches "host :$HOST_PORT → rootlessport \\(uid $ROOTLESS_UID\\) → 10\\.0\\.2\\.100:3000"

# 2. The seed's loopback bind: rootlessport accepts, then resets.
expect_host_curl "127.0.0.1:$((HOST_PORT + 1))" 56 52
run_whyno_with env -u DOCKER_HOST -- $((HOST_PORT + 1)) --json
expect_status 1
expect_verdict bound-to-loopback
expect_json '.container.name == $name' --arg name "$T-lo"
expect_text .summary "rootlessport"
expect_text .fix "bind 0.0.0.0:3000"
expect_probe reset-or-closed

# 3. The app listens on 3001, the port publishes 3000.
expect_host_curl "127.0.0.1:$((HOST_PORT + 2))" 56 52
run_whyno_with env -u DOCKER_HOST -- $((HOST_PORT + 2)) --json
expect_status 1
expect_verdict container-port-closed
expect_json '.container.name == $name' --arg name "$T-wp"
expect_text .fix "3001"
expect_probe reset-or-closed

# Another machine (a client namespace on a veth) dials this host's address:
# rootlessport takes it on every address, and the same two answers hold.
create_remote_client remote
expect_netns_curl "$REMOTE_NS" "$REMOTE_HOST_ADDR:$HOST_PORT" 0
run_whyno "$REMOTE_HOST_ADDR:$HOST_PORT" --from "$REMOTE_CLIENT_ADDR" --json
expect_status 0
expect_verdict reachable
expect_json 'any(.path[]; .hop | startswith("rootlessport (uid \($uid))"))' --argjson uid "$ROOTLESS_UID"
expect_netns_curl "$REMOTE_NS" "$REMOTE_HOST_ADDR:$((HOST_PORT + 1))" 56 52
run_whyno "$REMOTE_HOST_ADDR:$((HOST_PORT + 1))" --from "$REMOTE_CLIENT_ADDR" --json
expect_status 1
expect_verdict bound-to-loopback

# 4. Run as the owner, unprivileged: the diagnosis, not a refusal. It reads
# the user's engine and joins the container's namespace through the user's
# user namespace; the host's rules stay unread, so a working path is
# inconclusive (exit 4) and says so, while a broken app is named.
run_whyno_as_owner "$user" $((HOST_PORT + 1)) --json
expect_status 1
expect_verdict bound-to-loopback
expect_json '.container.name == $name' --arg name "$T-lo"
expect_json 'any(.unread[]; .source == "what only root may read")'
run_whyno_as_owner "$user" $((HOST_PORT + 2)) --json
expect_status 1
expect_verdict container-port-closed
run_whyno_as_owner "$user" "$HOST_PORT" --json
expect_status 0
expect_verdict reachable
expect_json 'any(.path[]; .hop | startswith("rootlessport (uid \($uid))"))' --argjson uid "$ROOTLESS_UID"
expect_probe answered
expect_json '.probe.proof == "arrival"'
expect_text .summary "arrived at the app"

# 5. No API service: root reads the user's podman from its files, its port
# bindings and states from its database (bolt_state.db), and still follows
# rootlessport.
pkill -u "$ROOTLESS_UID" -f 'podman system service' || true
for _ in $(seq 1 50); do
  [[ -S $ROOTLESS_PODMAN_SOCK ]] && _socket_pings "$ROOTLESS_PODMAN_SOCK" || break
  sleep 0.1
done
run_whyno_with env -u DOCKER_HOST -- $((HOST_PORT + 1)) --json
expect_status 1
expect_verdict bound-to-loopback
expect_json '.container.name == $name' --arg name "$T-lo"
expect_json 'any(.engines[]; .kind == "podman" and .rootless == true and .user == $uid)' \
  --argjson uid "$ROOTLESS_UID"
expect_json 'all(.unread[]; .source != "podman'"'"'s port bindings")'
expect_text .fix "bind 0.0.0.0:3000"
# The owner, with no API either: the same from the user's own files.
run_whyno_as_owner "$user" $((HOST_PORT + 1)) --json
expect_status 1
expect_verdict bound-to-loopback
expect_json '.container.name == $name' --arg name "$T-lo"
