#!/usr/bin/env bash
# The most common ufw-docker state, with Debian's real ufw in the twin
# (lib_hostfw.sh) on a Docker 29.7 host (iptables backend, usernet-portmap:
# -p 8080:80 to c1 at 192.0.2.2 on bridge1): the recipe from
# chaifeng/ufw-docker's README (its 2023 form, which most hosts still have)
# appended to after.rules, ufw enabled, no `ufw route allow` yet. Its
# DOCKER-USER sends a new connection's SYN (`--tcp-flags FIN,SYN,RST,ACK
# SYN`) to ufw-docker-logging-deny unless ufw-user-forward allows it.
#
# Each case proves with curl what a client gets, asks whyno-port, then
# pastes whyno-port's fix_commands into the twin and proves with curl that
# they work. Then a container reaching a service of the host itself under
# ufw's default deny incoming, with the same proof.
source "$(dirname "$0")/lib_hostfw.sh"
HOSTFW_TOOLS=(ufw)
hostfw_require ufw

twin_layout 29 iptables usernet-portmap
_twin_bridge1
twin_container c1 bridge1 192.0.2.2 -p 8080:80 --serve tcp:0.0.0.0:80
twin_container c2 bridge1 192.0.2.3
twin_up
hostfw_ufw_setup

# The recipe as ufw-docker's README gave it until 2025, unchanged but for the
# address: its 192.168.0.0/16 (a private range Docker networks use) is the
# twin's 192.0.2.0/24 here, so that c1 is inside it.
sed 's#192\.168\.0\.0/16#192.0.2.0/24#g' >>"/etc/netns/$TWIN_HOST/ufw/after.rules" <<'RECIPE'
# BEGIN UFW AND DOCKER
*filter
:ufw-user-forward - [0:0]
:ufw-docker-logging-deny - [0:0]
:DOCKER-USER - [0:0]
-A DOCKER-USER -j ufw-user-forward

-A DOCKER-USER -j RETURN -s 10.0.0.0/8
-A DOCKER-USER -j RETURN -s 172.16.0.0/12
-A DOCKER-USER -j RETURN -s 192.168.0.0/16

-A DOCKER-USER -p udp -m udp --sport 53 --dport 1024:65535 -j RETURN

-A DOCKER-USER -j ufw-docker-logging-deny -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -d 192.168.0.0/16
-A DOCKER-USER -j ufw-docker-logging-deny -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -d 10.0.0.0/8
-A DOCKER-USER -j ufw-docker-logging-deny -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -d 172.16.0.0/12
-A DOCKER-USER -j ufw-docker-logging-deny -p udp -m udp --dport 0:32767 -d 192.168.0.0/16
-A DOCKER-USER -j ufw-docker-logging-deny -p udp -m udp --dport 0:32767 -d 10.0.0.0/8
-A DOCKER-USER -j ufw-docker-logging-deny -p udp -m udp --dport 0:32767 -d 172.16.0.0/12

-A DOCKER-USER -j RETURN

-A ufw-docker-logging-deny -m limit --limit 3/min --limit-burst 10 -j LOG --log-prefix "[UFW DOCKER BLOCK] "
-A ufw-docker-logging-deny -j DROP

COMMIT
# END UFW AND DOCKER
RECIPE
log "twin: ufw-docker's recipe (2023) appended to after.rules"
hostfw_ufw --force enable
hostfw_expect_rule '^-A DOCKER-USER -j ufw-user-forward$'
hostfw_expect_rule '^-A DOCKER-USER -d 192.0.2.0/24 -p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j ufw-docker-logging-deny$'

remote() {
  hostfw_whyno 203.0.113.1:8080 --from 203.0.113.2 --no-probe --json
}

twin_case "recipe, no route allow: remote client -> 203.0.113.1:8080"
hostfw_rules '^-A DOCKER-USER |^-A ufw-docker-logging-deny |^-A ufw-user-forward '
expect_netns_curl "$TWIN_REMOTE" 203.0.113.1:8080 28
remote
expect_verdict firewall-blocked
expect_status 1
hostfw_expect_summary "ufw-docker-logging-deny"
hostfw_expect_fix_any "ufw route allow proto tcp from any to any port 80"
expect_json '.fix_commands == ["ufw route allow proto tcp from any to any port 80"]'
expect_json 'all(.evidence[]; tostring | contains("cannot be evaluated") | not)'

twin_case "recipe, the fix pasted (ufw route allow): curl gets through, reachable"
hostfw_paste_fix ufw
hostfw_expect_rule '^-A ufw-user-forward -p tcp -m tcp --dport 80 -j ACCEPT$'
expect_netns_curl "$TWIN_REMOTE" 203.0.113.1:8080 0
remote
expect_verdict reachable
expect_status 0

twin_case "recipe, route allow and a route deny of the user's before it: blocked, fix deletes the deny"
hostfw_ufw route insert 1 deny proto tcp from 203.0.113.2 to any port 80
hostfw_expect_rule '^-A ufw-user-forward -s 203.0.113.2/32 -p tcp -m tcp --dport 80 -j DROP$'
expect_netns_curl "$TWIN_REMOTE" 203.0.113.1:8080 28
remote
expect_verdict firewall-blocked
expect_status 1
hostfw_expect_summary "ufw-user-forward"
expect_json '.fix_commands == ["ufw route delete deny proto tcp from 203.0.113.2 to any port 80"]'
hostfw_paste_fix ufw
hostfw_expect_no_rule '^-A ufw-user-forward -s 203.0.113.2/32 '
expect_netns_curl "$TWIN_REMOTE" 203.0.113.1:8080 0
remote
expect_verdict reachable
expect_status 0

twin_case "recipe, a route deny of a whole network: the other fix, an allow for this client before it"
hostfw_ufw route insert 1 deny proto tcp from 203.0.113.0/24 to any port 80
expect_netns_curl "$TWIN_REMOTE" 203.0.113.1:8080 28
remote
expect_verdict firewall-blocked
expect_json '.fix_commands == ["ufw route delete deny proto tcp from 203.0.113.0/24 to any port 80"]'
hostfw_expect_fix_any "insert an allow for this one before it instead: ufw route insert 1 allow proto tcp from 203.0.113.2 to any port 80."
hostfw_ufw route insert 1 allow proto tcp from 203.0.113.2 to any port 80
expect_netns_curl "$TWIN_REMOTE" 203.0.113.1:8080 0
remote
expect_verdict reachable
expect_status 0
hostfw_ufw route delete deny proto tcp from 203.0.113.0/24 to any port 80
hostfw_ufw route delete allow proto tcp from 203.0.113.2 to any port 80

twin_case "ufw default deny incoming: container c2 -> the host's 192.0.2.1:5432"
_twin_in "$TWIN_HOST" "$TWIN_BIN/server" tcp:0.0.0.0:5432 </dev/null >"$T_DIR/host-server.log" 2>&1 &
host_server=$!
_twin_kill_at_exit "$host_server"
_wait_log_line "$T_DIR/host-server.log" '^listening tcp .*:5432$' "$host_server" ||
  fail "the twin host's server did not listen: $(cat "$T_DIR/host-server.log")"
expect_netns_curl "$T-c2" 192.0.2.1:5432 28
hostfw_whyno 192.0.2.1:5432 --from "$T-c2" --no-probe --json
expect_verdict firewall-blocked
expect_status 1
hostfw_expect_summary "ufw's default deny incoming"
expect_json '.fix_commands == ["ufw allow in on bridge1 to any port 5432 proto tcp"]'
hostfw_paste_fix ufw
expect_netns_curl "$T-c2" 192.0.2.1:5432 0
# The firewall no longer stands in the way: the container reaches the
# host's own service, and says whose it is.
hostfw_whyno 192.0.2.1:5432 --from "$T-c2" --no-probe --json
expect_verdict reachable
expect_status 0
expect_json '.summary | test("on the host")'
