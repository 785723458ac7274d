#!/usr/bin/env bash
# Rootless podman (issue #9): run as root, whyno-port finds a user's API at
# /run/user/UID/podman/podman.sock with no environment variable, next to
# dockerd, and names it "podman 4.3.1 (rootless, uid UID)". Its published
# ports go through rootlessport, which whyno-port does not follow yet: the
# answer is inconclusive (exit 4), never a wrong verdict, while curl works.
source "$(dirname "$0")/lib.sh"
require_root_and_docker
source "$E2E_DIR/lib_podman.sh"

require_podman
user="wp${T##*-}"
create_rootless_user "$user"
build_podman_image "$user"
start_rootless_podman_service "$user"

podman_rootless "$user" run -d --name "$T-rl" -p "$HOST_PORT:3000" "$WHYNO_PODMAN_IMAGE" \
  tcp:0.0.0.0:3000 >/dev/null 2>"$T_DIR/run.err" || fail "podman run as $user: $(<"$T_DIR/run.err")"
for _ in $(seq 1 100); do
  grep -q '^listening ' < <(podman_rootless "$user" logs "$T-rl" 2>/dev/null) && break
  sleep 0.1
done
expect_host_curl "127.0.0.1:$HOST_PORT" 0

run_whyno_with env -u DOCKER_HOST -u XDG_RUNTIME_DIR -- "$HOST_PORT" --json
expect_status 4
expect_verdict inconclusive
expect_json 'any(.engines[]; .kind == "podman" and .rootless == true and .user == $uid
                 and .endpoint == $sock)' \
  --argjson uid "$ROOTLESS_UID" --arg sock "$ROOTLESS_PODMAN_SOCK"
expect_json '.container.name == $name' --arg name "$T-rl"
expect_json '.path[0].state == "unknown"'
expect_text .fix "rootlessport"
expect_probe answered

run_whyno_with env -u DOCKER_HOST -- "$HOST_PORT" --color never
expect_status 4
expect_stdout_matches "podman [0-9][^ ]* \\(rootless, uid $ROOTLESS_UID\\)"
