#!/usr/bin/env bash
# Catalogue #7: something else owns the host port. A host process holds it,
# so `docker run -p` fails; or another container publishes it, so the
# client reaches the wrong container.
source "$(dirname "$0")/lib.sh"
require_root_and_docker

log "case: a process on the host owns the port; the container cannot start"
start_host_server squatter "tcp:0.0.0.0:$HOST_PORT"
if run_container "$T-web" -p "$HOST_PORT:3000" "$IMAGE" tcp:0.0.0.0:3000 2>"$T_DIR/run.err"; then
  fail "docker run -p $HOST_PORT:3000 succeeded although the port is taken"
fi
log "reality: docker run: $(<"$T_DIR/run.err")"
grep -Eq "port is already allocated|address already in use" "$T_DIR/run.err" ||
  fail "docker run failed for another reason"
# curl gets an answer, from the wrong app.
expect_host_curl "localhost:$HOST_PORT" 0

run_whyno "$HOST_PORT" --json
expect_verdict host-port-conflict
expect_status 1
expect_json '.container.name | ltrimstr("/") == $name' --arg name "$T-web"
expect_text .summary "server (pid $HOST_SERVER_PID)"
expect_text .summary "could not start"
expect_probe answered

_kill_host_program "$HOST_SERVER_PID" "$PROGRAMS_DIR/server"
docker rm -f "$T-web" >/dev/null

log "case: another container publishes the port"
start_server "$T-a" -p "$HOST_PORT:3000" -- tcp:0.0.0.0:3000
start_server "$T-b" -- tcp:0.0.0.0:3000
expect_host_curl "localhost:$HOST_PORT" 0

run_whyno "$HOST_PORT" --container "$T-b" --json
expect_verdict host-port-conflict
expect_status 1
expect_json '.container.name | ltrimstr("/") == $name' --arg name "$T-b"
expect_text .summary "$T-a"
expect_probe answered
