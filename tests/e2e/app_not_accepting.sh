#!/usr/bin/env bash
# Issue 18: an app that accepts nothing. The kernel completes the handshake
# for a listening socket whatever its process does, so curl connects and
# hangs with 0 bytes: the app is stopped (SIGSTOP, Ctrl-Z), its cgroup is
# frozen behind the engine's back, or it is hung and never calls accept().
# None of these is `reachable`; each fix, pasted, makes curl work again.
source "$(dirname "$0")/lib.sh"
require_root_and_docker

start_server "$T-web" -p "$HOST_PORT:3000" -- tcp:0.0.0.0:3000
pid=$(docker inspect -f '{{.State.Pid}}' "$T-web")
expect_host_curl "localhost:$HOST_PORT" 0

log "case: the app is stopped (SIGSTOP)"
on_exit kill -CONT "$pid"
kill -STOP "$pid"
expect_host_curl "localhost:$HOST_PORT" 28
run_whyno "$HOST_PORT" --json
expect_verdict app-not-accepting
expect_status 1
expect_probe connected timed-out
expect_text .summary "stopped (SIGSTOP"
expect_json '.fix_commands == ["kill -CONT \($pid)"]' --arg pid "$pid"
run_fix_command 0
expect_host_curl "localhost:$HOST_PORT" 0
run_whyno "$HOST_PORT" --json
expect_verdict reachable
expect_status 0

log "case: its cgroup is frozen, and Docker still says running"
# Docker's own cgroup of the container: v1's freezer on a hybrid host (this
# one), v2's cgroup.freeze on a unified one.
v1=$(awk -F: '$2 == "freezer" { print $3 }' "/proc/$pid/cgroup")
v2=$(awk -F: '$1 == "0" { print $3 }' "/proc/$pid/cgroup")
if [[ -n $v1 && -w /sys/fs/cgroup/freezer$v1/freezer.state ]]; then
  freeze=/sys/fs/cgroup/freezer$v1/freezer.state frozen=FROZEN thawed=THAWED
elif [[ -n $v2 && -w /sys/fs/cgroup$v2/cgroup.freeze ]]; then
  freeze=/sys/fs/cgroup$v2/cgroup.freeze frozen=1 thawed=0
else
  fail "no cgroup freezer for $T-web (v1 '$v1', v2 '$v2')"
fi
on_exit _write_file "$freeze" "$thawed"
_write_file "$freeze" "$frozen"
log "froze $T-web: $frozen > $freeze"
[[ $(docker inspect -f '{{.State.Status}}' "$T-web") == running ]] || fail "Docker noticed the freeze"
expect_host_curl "localhost:$HOST_PORT" 28
run_whyno "$HOST_PORT" --json
expect_verdict app-not-accepting
expect_status 1
expect_probe connected timed-out
expect_text .summary "frozen"
expect_json '.fix_commands == ["echo \($t) > \($f)"]' --arg f "$freeze" --arg t "$thawed"
run_fix_command 0
expect_host_curl "localhost:$HOST_PORT" 0

log "case: the app is hung: it listens and never accepts"
start_server "$T-hung" -p "$OTHER_HOST_PORT:3000" -- --no-accept tcp:0.0.0.0:3000
expect_host_curl "localhost:$OTHER_HOST_PORT" 28
run_whyno "$OTHER_HOST_PORT" --json
expect_verdict app-not-accepting
expect_status 1
expect_probe connected
expect_text .summary "never accepted"
expect_text .fix "accept queue holds"
