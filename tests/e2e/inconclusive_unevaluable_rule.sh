#!/usr/bin/env bash
# Unknown is never OK: a rule whyno-port cannot evaluate (here an xt
# "statistic" match, which iptables-nft keeps as a compat blob) stands in
# DOCKER-USER and drops a remote client's packets. The facts cannot tell
# whether it applies, so the answer is inconclusive (exit 4), never
# reachable; the rule is named in the evidence.
source "$(dirname "$0")/lib.sh"
require_root_and_docker

start_server "$T-web" -p "$HOST_PORT:3000" -- tcp:0.0.0.0:3000
create_remote_client remote
remote_target=$REMOTE_HOST_ADDR:$HOST_PORT
expect_netns_curl "$REMOTE_NS" "$remote_target" 0

log "case: DOCKER-USER drops every packet through -m statistic"
add_iptables_rule DOCKER-USER -s "$REMOTE_CLIENT_ADDR" -m statistic --mode nth --every 1 --packet 0 -j DROP
expect_netns_curl "$REMOTE_NS" "$remote_target" 28
run_whyno "$remote_target" --from "$REMOTE_CLIENT_ADDR" --json
expect_verdict inconclusive
expect_status 4
expect_probe skipped
expect_json '.ok == false'
expect_json 'any(.path[]; .hop == "FORWARD" and .state == "unknown")'
expect_json 'any(.evidence[]; contains("DOCKER-USER") and contains("cannot evaluate"))'
expect_text .summary "could not check FORWARD"
remove_iptables_rule DOCKER-USER -s "$REMOTE_CLIENT_ADDR" -m statistic --mode nth --every 1 --packet 0 -j DROP

log "case: without the rule the same path is reachable again"
expect_netns_curl "$REMOTE_NS" "$remote_target" 0
run_whyno "$remote_target" --from "$REMOTE_CLIENT_ADDR" --json
expect_verdict reachable
expect_status 0
