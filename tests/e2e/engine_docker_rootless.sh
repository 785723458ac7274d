#!/usr/bin/env bash
# Rootless Docker (issue #9): Debian's dockerd-rootless.sh as an unprivileged
# user (rootlesskit --net=slirp4netns --port-driver=builtin). rootlesskit
# holds the host port and dials 127.0.0.1:PORT in its child's namespace,
# where that dockerd runs with its own docker-proxy and rules. Run as root,
# whyno-port finds the user's engine at /run/user/UID/docker.sock with no
# variable set, follows rootlesskit into that namespace, and diagnoses the
# rest as a Docker host: a working app (reachable), the seed's loopback bind
# (bound-to-loopback) and an app on another port (container-port-closed),
# each proven by curl. The state dir is left where Debian 20.10's script
# puts it (STATE_DIR auto, /tmp/rootlesskitNNN): whyno-port needs none.
source "$(dirname "$0")/lib.sh"
require_root_and_docker
source "$E2E_DIR/lib_podman.sh"

need_free_host_ports $((HOST_PORT + 1)) $((HOST_PORT + 2))
user="wd${T##*-}"
create_rootless_user "$user"
start_rootless_dockerd "$user" auto
build_rootless_docker_image "$user"

run_rootless_app docker_rootless "$user" "$T-rl" "$HOST_PORT" tcp:0.0.0.0:3000
run_rootless_app docker_rootless "$user" "$T-lo" $((HOST_PORT + 1)) tcp:127.0.0.1:3000
run_rootless_app docker_rootless "$user" "$T-wp" $((HOST_PORT + 2)) tcp:0.0.0.0:3001

# 1. A working app: reachable through rootlesskit and the inner docker-proxy.
expect_host_curl "127.0.0.1:$HOST_PORT" 0
run_whyno_with env -u DOCKER_HOST -u XDG_RUNTIME_DIR -- "$HOST_PORT" --json
expect_status 0
expect_verdict reachable
expect_json 'any(.engines[]; .kind == "docker" and .rootless == true and .user == $uid
                 and .endpoint == $sock)' \
  --argjson uid "$ROOTLESS_UID" --arg sock "$ROOTLESS_DOCKER_SOCK"
expect_json '.container.name == $name' --arg name "$T-rl"
# localhost is dialled as curl does: ::1 first where rootlesskit listens on
# [::] (addresses[] says which address decided), else 127.0.0.1.
rootlesskit_hop='(.addresses | last | .address // "127.0.0.1") as $a
  | any(.path[]; .hop == "rootlesskit (uid \($uid)) → \(if $a == "::1" then "[::1]" else $a end):\($port)")'
expect_json "$rootlesskit_hop" --argjson uid "$ROOTLESS_UID" --argjson port "$HOST_PORT"
expect_json 'any(.path[]; .hop | startswith("docker-proxy → "))'
expect_json 'all(.path[]; .state == "ok")'
expect_probe answered

run_whyno_with env -u DOCKER_HOST -- "$HOST_PORT" --color never
expect_status 0
expect_stdout_matches "docker [0-9][^ ]* \\(rootless, uid $ROOTLESS_UID\\)"
expect_stdout_matches "host :$HOST_PORT → rootlesskit \\(uid $ROOTLESS_UID\\) → (127\\.0\\.0\\.1|\\[::1\\]):$HOST_PORT → rootless netns :$HOST_PORT → docker-proxy"

# 2. The seed's loopback bind: the inner docker-proxy accepts, then closes.
expect_host_curl "127.0.0.1:$((HOST_PORT + 1))" 52 56
run_whyno_with env -u DOCKER_HOST -- $((HOST_PORT + 1)) --json
expect_status 1
expect_verdict bound-to-loopback
expect_json '.container.name == $name' --arg name "$T-lo"
expect_text .fix "bind 0.0.0.0:3000"
expect_probe reset-or-closed

# 3. The app listens on 3001, the port publishes 3000.
expect_host_curl "127.0.0.1:$((HOST_PORT + 2))" 52 56
run_whyno_with env -u DOCKER_HOST -- $((HOST_PORT + 2)) --json
expect_status 1
expect_verdict container-port-closed
expect_json '.container.name == $name' --arg name "$T-wp"
expect_text .fix "3001"
expect_probe reset-or-closed

# 4. Run as the owner, unprivileged: it follows rootlesskit and reads the
# namespaces through the user's user namespace; the rules (the host's and
# rootless Docker's) stay unread, so a working path is inconclusive (exit 4)
# and a broken app is named.
run_whyno_as_owner "$user" $((HOST_PORT + 1)) --json
expect_status 1
expect_verdict bound-to-loopback
expect_json '.container.name == $name' --arg name "$T-lo"
expect_json 'any(.unread[]; .source == "what only root may read")'
run_whyno_as_owner "$user" "$HOST_PORT" --json
expect_status 0
expect_verdict reachable
expect_json "$rootlesskit_hop" --argjson uid "$ROOTLESS_UID" --argjson port "$HOST_PORT"
expect_probe answered
expect_json '.probe.proof == "arrival"'
expect_text .summary "arrived at the app"

# 5. A port below net.ipv4.ip_unprivileged_port_start: rootless dockerd may
# not bind it, the container is created but does not start, and the fix
# names the sysctl.
low_port=1019
need_free_host_ports "$low_port"
[[ $(</proc/sys/net/ipv4/ip_unprivileged_port_start) -gt $low_port ]] ||
  fail "ip_unprivileged_port_start is $(</proc/sys/net/ipv4/ip_unprivileged_port_start) here; case 5 needs it above $low_port"
if docker_rootless "$user" run -d --name "$T-low" -p "$low_port:3000" "$WHYNO_PODMAN_IMAGE" tcp:0.0.0.0:3000 \
     >/dev/null 2>"$T_DIR/low.err"; then
  fail "rootless docker published privileged port $low_port"
fi
log "reality: docker run -p $low_port:3000 as $user: $(tr '\n' ' ' <"$T_DIR/low.err")"
expect_host_curl "127.0.0.1:$low_port" 7
run_whyno_with env -u DOCKER_HOST -- "$low_port" --json
expect_status 1
expect_verdict container-not-running
expect_json '.container.name == $name' --arg name "$T-low"
expect_text .summary "ip_unprivileged_port_start"
expect_json '.fix_commands[0] == "sysctl -w net.ipv4.ip_unprivileged_port_start=\($port)"' --argjson port "$low_port"
