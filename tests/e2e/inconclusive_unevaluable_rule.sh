#!/usr/bin/env bash
# Unknown is never OK: a rule whyno-port cannot evaluate stands in
# DOCKER-USER and drops a remote client's packets. Here it is `-m recent
# --rcheck` (kube-proxy's ClientIP affinity, ufw's `limit`), which matches
# when the source was seen lately: a history the facts do not hold. The
# answer is inconclusive (exit 4), never reachable; the rule is named in the
# evidence. The conditions a walk can answer for the first packet of a
# connection (issue 22: a SYN's tcp flags, `recent --set`, `statistic nth
# every 1`) are evaluated, and their drop is firewall-blocked.
source "$(dirname "$0")/lib.sh"
require_root_and_docker

start_server "$T-web" -p "$HOST_PORT:3000" -- tcp:0.0.0.0:3000
create_remote_client remote
remote_target=$REMOTE_HOST_ADDR:$HOST_PORT
expect_netns_curl "$REMOTE_NS" "$remote_target" 0

recent=(-s "$REMOTE_CLIENT_ADDR" -m recent --name "wp$$" --rcheck --seconds 60 -j DROP)
seen=(-s "$REMOTE_CLIENT_ADDR" -m recent --name "wp$$" --set)
log "case: DOCKER-USER drops a source it saw lately (-m recent --set, then --rcheck)"
add_iptables_rule DOCKER-USER "${recent[@]}"
add_iptables_rule DOCKER-USER "${seen[@]}"
expect_netns_curl "$REMOTE_NS" "$remote_target" 28
run_whyno "$remote_target" --from "$REMOTE_CLIENT_ADDR" --json
expect_verdict inconclusive
expect_status 4
expect_probe timed-out  # sent from the client's own namespace
expect_json '.ok == false'
expect_json 'any(.path[]; .hop == "FORWARD" and .state == "unknown")'
expect_json 'any(.evidence[]; contains("DOCKER-USER") and contains("cannot be evaluated") and contains("recent"))'
expect_text .summary "could not check FORWARD"
remove_iptables_rule DOCKER-USER "${seen[@]}"
remove_iptables_rule DOCKER-USER "${recent[@]}"

statistic=(-s "$REMOTE_CLIENT_ADDR" -m statistic --mode nth --every 1 --packet 0 -j DROP)
log "case: statistic --every 1 matches every packet: firewall-blocked, and the fix deletes it"
add_iptables_rule DOCKER-USER "${statistic[@]}"
expect_netns_curl "$REMOTE_NS" "$remote_target" 28
run_whyno "$remote_target" --from "$REMOTE_CLIENT_ADDR" --json
expect_verdict firewall-blocked
expect_status 1
expect_json '.summary | contains("DOCKER-USER")'
expect_json '.summary | contains("-m statistic --mode nth --every 1 --packet 0")'
expect_json 'any(.fix_commands[]; . == "iptables -D DOCKER-USER 1")'
remove_iptables_rule DOCKER-USER "${statistic[@]}"

syn=(-s "$REMOTE_CLIENT_ADDR" -p tcp --syn -j REJECT --reject-with tcp-reset)
log "case: a rule on the SYN (--syn) stops the connection's first packet"
add_iptables_rule DOCKER-USER "${syn[@]}"
expect_netns_curl "$REMOTE_NS" "$remote_target" 7
run_whyno "$remote_target" --from "$REMOTE_CLIENT_ADDR" --json
expect_verdict firewall-blocked
expect_status 1
expect_json '.summary | contains("rejects")'
expect_json 'all(.evidence[]; contains("cannot be evaluated") | not)'
remove_iptables_rule DOCKER-USER "${syn[@]}"

log "case: without the rules the same path is reachable again"
expect_netns_curl "$REMOTE_NS" "$remote_target" 0
run_whyno "$remote_target" --from "$REMOTE_CLIENT_ADDR" --json
expect_verdict reachable
expect_status 0
