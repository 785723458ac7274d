#!/usr/bin/env bash
# Catalogue #8: the container that publishes the port is not running:
# it exited, was stopped, is paused, keeps restarting, or never started.
source "$(dirname "$0")/lib.sh"
require_root_and_docker

# check_not_running NAME PROBE-OUTCOME SUMMARY-WORDS
check_not_running() {
  run_whyno "$HOST_PORT" --json
  expect_verdict container-not-running
  expect_status 1
  expect_probe "$2"
  expect_json '.container.name | ltrimstr("/") == $name' --arg name "$1"
  expect_text .summary "$3"
}

log "case: the app exited with code 1 (it could not bind its address)"
run_container "$T-exited" -p "$HOST_PORT:3000" "$IMAGE" tcp:203.0.113.9:3000
docker wait "$T-exited" >/dev/null
expect_host_curl "localhost:$HOST_PORT" 7
check_not_running "$T-exited" refused "exited with code 1"
docker rm -f "$T-exited" >/dev/null

log "case: docker stop"
start_server "$T-stopped" -p "$HOST_PORT:3000" -- tcp:0.0.0.0:3000
docker stop -t 5 "$T-stopped" >/dev/null
expect_host_curl "localhost:$HOST_PORT" 7
check_not_running "$T-stopped" refused "exited with code 0"
docker rm -f "$T-stopped" >/dev/null

log "case: docker pause"
start_server "$T-paused" -p "$HOST_PORT:3000" -- tcp:0.0.0.0:3000
docker pause "$T-paused" >/dev/null
# docker-proxy accepts; the frozen app never answers.
expect_host_curl "localhost:$HOST_PORT" 28
check_not_running "$T-paused" connected "paused"
expect_text .fix "docker unpause $T-paused"
docker rm -f "$T-paused" >/dev/null

log "case: --restart always and an app that always fails"
run_container "$T-restarting" --restart always -p "$HOST_PORT:3000" "$IMAGE" tcp:203.0.113.9:3000
# The restart delay doubles from 100 ms: from the 4th restart on it leaves
# more than a second in which the container is down and stays down.
for _ in $(seq 1 100); do
  read -r status _ restarting count < <(container_state "$T-restarting")
  if [[ $status == restarting && $restarting == true && $count -ge 4 ]]; then
    break
  fi
  sleep 0.1
done
log "state: $(container_state "$T-restarting")"
[[ $status == restarting ]] || fail "$T-restarting is not restarting"
expect_host_curl "localhost:$HOST_PORT" 7
check_not_running "$T-restarting" refused "keeps restarting"
docker rm -f "$T-restarting" >/dev/null

log "case: created, but the engine could not start it (no such entrypoint)"
if run_container "$T-created" -p "$HOST_PORT:3000" --entrypoint /no-such-program "$IMAGE" 2>"$T_DIR/run.err"; then
  fail "docker run with a missing entrypoint succeeded"
fi
log "reality: docker run: $(<"$T_DIR/run.err")"
[[ $(container_state "$T-created") == created* ]] || fail "$T-created is not in Created state"
expect_host_curl "localhost:$HOST_PORT" 7
check_not_running "$T-created" refused "never started"
expect_text .summary "/no-such-program"
