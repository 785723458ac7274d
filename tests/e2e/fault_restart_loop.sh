#!/usr/bin/env bash
# Never a wrong all-clear, even in a race: a container in a restart loop
# (--restart always, an app that exits at once) publishes 8080. The engine
# may say "running" with a PID that is gone by the time whyno-port opens its
# namespace; whyno-port must ask again and say the container keeps
# restarting, in 10 runs out of 10, and never reachable.
source "$(dirname "$0")/lib.sh"
require_root_and_docker

run_container "$T-web" --restart always -p "$HOST_PORT:3000" --entrypoint /bin/busybox \
  "$IMAGE" sleep 0.05
for _ in $(seq 1 100); do
  read -r _ _ _ count < <(container_state "$T-web")
  [[ $count -ge 2 ]] && break
  sleep 0.1
done
log "restart count so far: $count"
expect_host_curl "localhost:$HOST_PORT" 7 52 56

for run in $(seq 1 10); do
  run_whyno_racing "$HOST_PORT" --json
  log "run $run: $(jq -r '[.verdict, .summary] | join(": ")' "$T_DIR/whyno.out")"
  expect_verdict container-not-running
  expect_status 1
  expect_text .summary "restart"
  expect_no_wrong_all_clear
done
