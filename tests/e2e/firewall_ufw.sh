#!/usr/bin/env bash
# ufw (Debian's package, 0.36) on a Docker 29.7 host with the iptables
# backend, played by the twin (lib_twin.sh, lib_hostfw.sh): usernet-portmap,
# -p 8080:80 on bridge1 (c1 at 192.0.2.2). ufw runs only inside the twin, with
# its own /etc/ufw and /etc/default/ufw (DEFAULT_FORWARD_POLICY="DROP", the
# Debian default); both it and Docker write through iptables-nft, so all of
# their rules are in the twin's `table ip filter` (ufw's chains are ufw-* /
# ufw6-*). Each case proves with curl what a client really gets, then asks
# whyno-port (run inside the twin).
#
# What Docker's documentation says, shown for real: Docker's FORWARD jumps
# (DOCKER-USER, DOCKER-FORWARD) come before ufw's, and a published port is
# DNATed before INPUT, so neither ufw's FORWARD policy DROP, nor `ufw deny`
# (INPUT), nor even `ufw route deny` (ufw-user-forward, reached from
# ufw-before-forward only after DOCKER-FORWARD accepted) stops it; ufw-docker's
# recipe (DOCKER-USER -> ufw-user-forward) makes `ufw route` rules apply.
source "$(dirname "$0")/lib_hostfw.sh"
HOSTFW_TOOLS=(ufw)
hostfw_require ufw

remote_reachable() {
  hostfw_whyno 203.0.113.1:8080 --from 203.0.113.2 --no-probe --json
  expect_verdict reachable
  expect_status 0
}

host_reachable() {
  hostfw_whyno 8080 --json
  expect_verdict reachable
  expect_status 0
}

twin_layout 29 iptables usernet-portmap
_twin_bridge1
twin_container c1 bridge1 192.0.2.2 -p 8080:80 --serve tcp:0.0.0.0:80
twin_up
hostfw_ufw_setup

twin_case "ufw enable (FORWARD policy DROP): remote client -> 203.0.113.1:8080"
hostfw_ufw --force enable
hostfw_expect_rule '^:FORWARD DROP$'
hostfw_rules '^:FORWARD |^-A FORWARD '
expect_netns_curl "$TWIN_REMOTE" 203.0.113.1:8080 0
remote_reachable
hostfw_expect_evidence ufw

twin_case "ufw enable: this host -> localhost:8080 and 203.0.113.1:8080"
expect_netns_curl "$TWIN_HOST" localhost:8080 0
expect_netns_curl "$TWIN_HOST" 203.0.113.1:8080 0
host_reachable

twin_case "ufw deny 8080/tcp (INPUT): remote client -> 203.0.113.1:8080"
hostfw_ufw deny 8080/tcp
hostfw_expect_rule '^-A ufw-user-input -p tcp -m tcp --dport 8080 -j DROP$'
hostfw_rules '^-A ufw-user-input |^-A ufw-before-input -j ufw-user-input|^-A INPUT '
expect_netns_curl "$TWIN_REMOTE" 203.0.113.1:8080 0
remote_reachable
hostfw_expect_evidence ufw INPUT

twin_case "ufw deny 8080/tcp: this host -> localhost:8080 (lo is accepted first)"
expect_netns_curl "$TWIN_HOST" localhost:8080 0
host_reachable
hostfw_ufw delete deny 8080/tcp

twin_case "ufw route deny to 192.0.2.2 port 80: remote client -> 203.0.113.1:8080"
hostfw_ufw route deny proto tcp to 192.0.2.2 port 80
hostfw_expect_rule '^-A ufw-user-forward -d 192.0.2.2/32 -p tcp -m tcp --dport 80 -j DROP$'
hostfw_rules '^-A ufw-user-forward |^-A ufw-before-forward -j ufw-user-forward|^-A FORWARD '
# Reality: DOCKER-FORWARD -> DOCKER-BRIDGE -> DOCKER accepts the DNATed
# packet before FORWARD reaches ufw-before-forward, so the route rule is
# never evaluated.
expect_netns_curl "$TWIN_REMOTE" 203.0.113.1:8080 0
remote_reachable
hostfw_expect_evidence ufw route

twin_case "ufw-docker: DOCKER-USER -> ufw-user-forward, ufw route deny: remote client -> 203.0.113.1:8080"
_twin_in "$TWIN_HOST" iptables-nft -A DOCKER-USER -j ufw-user-forward
log "twin: iptables-nft -A DOCKER-USER -j ufw-user-forward (ufw-docker's recipe)"
hostfw_expect_rule '^-A DOCKER-USER -j ufw-user-forward$'
hostfw_rules '^-A DOCKER-USER |^-A ufw-user-forward '
expect_netns_curl "$TWIN_REMOTE" 203.0.113.1:8080 28
hostfw_whyno 203.0.113.1:8080 --from 203.0.113.2 --no-probe --json
expect_verdict firewall-blocked
expect_status 1
hostfw_expect_summary "ufw-user-forward"
hostfw_expect_fix_any "ufw route delete deny proto tcp from any to 192.0.2.2 port 80"
expect_json '.fix_commands == ["ufw route delete deny proto tcp from any to 192.0.2.2 port 80"]'

twin_case "ufw-docker + route deny: this host -> localhost:8080 (not forwarded)"
expect_netns_curl "$TWIN_HOST" localhost:8080 0
expect_netns_curl "$TWIN_HOST" 203.0.113.1:8080 0
host_reachable

twin_case "ufw disable: remote client -> 203.0.113.1:8080"
hostfw_ufw disable
hostfw_expect_rule '^:FORWARD ACCEPT$'
hostfw_expect_no_rule '^-A ufw-user-forward '
hostfw_rules '^:FORWARD |^-A FORWARD |^-A DOCKER-USER '
expect_netns_curl "$TWIN_REMOTE" 203.0.113.1:8080 0
remote_reachable
# ufw disable empties its chains but leaves them: not "active" any more.
expect_json '[.evidence[]? | tostring | select(contains("ufw is active"))] | length == 0'
