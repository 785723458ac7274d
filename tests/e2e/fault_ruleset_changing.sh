#!/usr/bin/env bash
# The ruleset changes while whyno-port reads it: a table of the test's own
# gains and loses a chain in a tight loop. whyno-port reads the nftables
# generation before and after each dump and reads again when it moved;
# every answer is reachable (the path works) or, when the ruleset never held
# still, inconclusive; never a crash, never a wrong answer.
source "$(dirname "$0")/lib.sh"
require_root_and_docker

start_server "$T-web" -p "$HOST_PORT:3000" -- tcp:0.0.0.0:3000
expect_host_curl "localhost:$HOST_PORT" 0

table=wt_churn_${T##*-}
on_exit nft delete table inet "$table"
nft add table inet "$table"
(
  while :; do
    nft add chain inet "$table" churn 2>/dev/null
    nft delete chain inet "$table" churn 2>/dev/null
  done
) &
churn=$!
on_exit kill "$churn"

declare -A seen=()
for run in $(seq 1 20); do
  run_whyno_racing "$HOST_PORT" --json
  expect_no_wrong_all_clear
  verdict=$(jq -r .verdict "$T_DIR/whyno.out")
  case $verdict in
    reachable | inconclusive) ;;
    *) fail_whyno "verdict $verdict while only an unrelated table changed" ;;
  esac
  seen[$verdict]=$((${seen[$verdict]:-0} + 1))
done
kill "$churn"
log "verdicts over 20 runs: $(for v in "${!seen[@]}"; do printf '%s=%s ' "$v" "${seen[$v]}"; done)"
