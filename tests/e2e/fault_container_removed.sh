#!/usr/bin/env bash
# Never a wrong all-clear, even in a race: a published container is removed
# (docker rm -f) while whyno-port reads the host. Whatever moment the removal
# hits, whyno-port answers with a documented status, and `reachable` only
# when its probe got through; a container gone before its namespace was read
# is asked about again and dropped, not reported as working.
source "$(dirname "$0")/lib.sh"
require_root_and_docker

declare -A seen=()
for run in $(seq 1 8); do
  name=$T-web$run
  start_server "$name" -p "$HOST_PORT:3000" -- tcp:0.0.0.0:3000
  # Start the removal first, and whyno-port a varying moment later, so that
  # runs land before, during and after it.
  docker rm -f "$name" >/dev/null 2>&1 &
  remover=$!
  sleep "0.0$((run * 3))"
  run_whyno_racing "$HOST_PORT" --json
  wait "$remover" || true
  expect_no_wrong_all_clear
  verdict=$(jq -r .verdict "$T_DIR/whyno.out" 2>/dev/null || echo "exit-$WHYNO_STATUS")
  seen[$verdict]=$((${seen[$verdict]:-0} + 1))
  log "run $run: $verdict"
done
log "verdicts over the runs: $(for v in "${!seen[@]}"; do printf '%s=%s ' "$v" "${seen[$v]}"; done)"

log "once it is gone for good: nothing is published"
run_whyno "$HOST_PORT" --json
expect_verdict nothing-published
expect_status 1
