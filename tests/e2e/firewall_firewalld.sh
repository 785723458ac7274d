#!/usr/bin/env bash
# firewalld (Debian's package, 1.3) on a Docker 29.7 host with the iptables
# backend, played by the twin (lib_twin.sh, lib_hostfw.sh). firewalld runs
# only inside the twin (ip netns exec, its own /etc/firewalld), on a D-Bus
# system bus of the test's own. Each case proves with curl what a client
# really gets, then asks whyno-port (run inside the twin).
#
# What firewalld 1.3.3 really does, shown here:
# - at start and at every reload it flushes and deletes every chain of every
#   iptables table (filter, nat, raw, mangle, security; ipXtables
#   build_flush_rules, run for all backends), whatever FirewallBackend says:
#   Docker's chains, DNAT and jumps are gone. dockerd, when it knows
#   firewalld, writes them again on firewalld's NameOwnerChanged/Reloaded
#   signals (hostfw_docker_replay plays that); a dockerd that does not (it
#   started before firewalld, or its handler missed rules, moby#50443) is
#   left with the engine publishing a port the kernel no longer forwards.
# - its nftables backend is `table inet firewalld`, base chains at priority
#   filter + 10 (after iptables-nft's filter FORWARD at 0), and its
#   filter_FORWARD accepts `ct status dnat` before any zone: a published
#   (DNATed) port passes whatever zone bridge1 is in. Routed traffic (no
#   DNAT) goes through the zones and ends in `reject with icmpx
#   admin-prohibited` unless a zone or policy accepts it (Docker's zone
#   "docker", target ACCEPT, and policy "docker-forwarding", ANY -> docker).
# - its iptables backend writes INPUT/FORWARD chains of its own
#   (FORWARD_direct, FORWARD_ZONES, FWD_<zone>, ...) in table filter, with a
#   final `-j REJECT --reject-with icmp-host-prohibited`.
source "$(dirname "$0")/lib_hostfw.sh"
HOSTFW_TOOLS=(firewalld firewall-cmd dbus-daemon)
hostfw_require firewalld dbus

# new_twin DOC [OPTIONS...]: twin_layout of a fresh twin (Docker 29.7,
# iptables backend, upstream file DOC); firewalld, if it runs, stops first
# (before the twin's namespaces go).
new_twin() {
  local doc=$1
  shift
  hostfw_firewalld_stop
  twin_layout 29 iptables "$doc" "$@"
}

expect_docker_rules_gone() {
  hostfw_expect_no_rule '^:DOCKER '
  hostfw_expect_no_rule '-j DNAT'
  hostfw_rules '^\*|^:(INPUT|FORWARD) |^-A (INPUT|FORWARD) '
}

# The engine still publishes 8080; the kernel has no rule of Docker's.
expect_rules_wiped_verdict() {
  hostfw_whyno 203.0.113.1:8080 --from 203.0.113.2 --no-probe --json
  expect_verdict nothing-published
  expect_status 1
  hostfw_expect_summary "firewalld"
  hostfw_expect_fix_any "restart dockerd" "systemctl restart docker" "firewalld integration"
}

remote_reachable() {
  hostfw_whyno 203.0.113.1:8080 --from 203.0.113.2 --no-probe --json
  expect_verdict reachable
  expect_status 0
}

# --- nftables backend (Debian's default), published port (DNAT) ---------------

new_twin usernet-portmap
_twin_bridge1
twin_container c1 bridge1 192.0.2.2 -p 8080:80 --serve tcp:0.0.0.0:80
twin_up
expect_netns_curl "$TWIN_REMOTE" 203.0.113.1:8080 0
hostfw_firewalld_config nftables --docker-zone
hostfw_firewalld_start

twin_case "firewalld (nftables) started after dockerd: Docker's iptables rules flushed"
expect_docker_rules_gone
# No DNAT: the packet is for the host, docker-proxy holds 0.0.0.0:8080, and
# firewalld's filter_INPUT (zone public: ssh, dhcpv6-client) rejects it.
expect_netns_curl "$TWIN_REMOTE" 203.0.113.1:8080 7
expect_rules_wiped_verdict

twin_case "firewalld (nftables), bridge1 in zone docker: remote client -> 203.0.113.1:8080"
hostfw_docker_replay
hostfw_firewall_cmd --zone=docker --add-interface=bridge1
hostfw_firewall_cmd --get-active-zones
hostfw_nft_rules inet firewalld filter_FORWARD
hostfw_nft_rules inet firewalld filter_FORWARD_ZONES
hostfw_nft_rules inet firewalld filter_FORWARD_POLICIES_pre
expect_netns_curl "$TWIN_REMOTE" 203.0.113.1:8080 0
remote_reachable
hostfw_expect_evidence firewalld

twin_case "firewalld (nftables), bridge1 in zone docker: this host -> localhost:8080"
expect_netns_curl "$TWIN_HOST" localhost:8080 0
hostfw_whyno 8080 --json
expect_verdict reachable
expect_status 0

twin_case "firewalld (nftables), bridge1 in zone public, no forward: remote client -> 203.0.113.1:8080 (ct status dnat accept)"
# bridge1 moved to public (what an admin's ZONE_CONFLICT leaves), and
# public's intra-zone forwarding off: no zone or policy accepts the packet,
# only filter_FORWARD's `ct status dnat accept`, before the zones.
hostfw_firewall_cmd --zone=public --change-interface=bridge1
hostfw_firewall_cmd --zone=public --remove-forward
hostfw_firewall_cmd --get-active-zones
hostfw_nft_rules inet firewalld filter_FORWARD_ZONES
hostfw_nft_rules inet firewalld filter_FWD_public
hostfw_nft_rules inet firewalld filter_FWD_public_allow
expect_netns_curl "$TWIN_REMOTE" 203.0.113.1:8080 0
remote_reachable
hostfw_expect_evidence firewalld filter_FORWARD

twin_case "firewall-cmd --reload (nftables backend): Docker's iptables rules flushed"
hostfw_firewall_cmd --reload
expect_docker_rules_gone
expect_netns_curl "$TWIN_REMOTE" 203.0.113.1:8080 7
expect_rules_wiped_verdict

twin_case "after the reload, dockerd restores its network rules but not the endpoint's (moby#50443)"
hostfw_docker_replay '192\.0\.2\.2'
hostfw_firewall_cmd --zone=docker --add-interface=bridge1
hostfw_expect_rule '^:DOCKER '
hostfw_expect_no_rule '-j DNAT'
hostfw_rules '^-A DOCKER|^-A (PREROUTING|FORWARD) '
expect_netns_curl "$TWIN_REMOTE" 203.0.113.1:8080 7
expect_rules_wiped_verdict

# --- nftables backend, routed network (no DNAT: the zones decide) -------------

new_twin usernet-portmap-routed --no-proxy
_twin_bridge1 -o com.docker.network.bridge.gateway_mode_ipv4=routed
twin_container c1 bridge1 192.0.2.2 -p 8080:80 --serve tcp:0.0.0.0:80
twin_up
hostfw_firewalld_config nftables --docker-zone
hostfw_firewalld_start
hostfw_docker_replay

twin_case "firewalld (nftables), routed bridge1 in no zone: remote client -> 192.0.2.2:80"
hostfw_firewall_cmd --get-active-zones
hostfw_nft_rules inet firewalld filter_FORWARD
hostfw_nft_rules inet firewalld filter_FORWARD_ZONES
hostfw_nft_rules inet firewalld filter_FWD_public
# Unassigned interfaces fall into the default zone (public), whose
# intra-zone forwarding covers only interfaces listed in it: the packet ends
# in filter_FWD_public's `reject with icmpx admin-prohibited` (curl: 7).
expect_netns_curl "$TWIN_REMOTE" 192.0.2.2:80 7
hostfw_whyno 192.0.2.2:80 --from 203.0.113.2 --no-probe --json
expect_verdict firewall-blocked
expect_status 1
hostfw_expect_summary "firewalld"
hostfw_expect_fix_any "firewall-cmd"
hostfw_expect_fix_any "bridge1"
expect_json '.fix_commands == ["firewall-cmd --permanent --zone=docker --add-interface=bridge1", "firewall-cmd --reload"]'

twin_case "firewalld (nftables), routed bridge1: the fix pasted (zone docker, reload)"
hostfw_paste_fix firewall-cmd
# The reload flushed Docker's iptables rules; dockerd writes them again when
# firewalld reloads (it watches D-Bus), as it does here.
hostfw_docker_replay
expect_netns_curl "$TWIN_REMOTE" 192.0.2.2:80 0
hostfw_whyno 192.0.2.2:80 --from 203.0.113.2 --no-probe --json
expect_verdict reachable
expect_status 0
hostfw_expect_evidence firewalld

# --- iptables backend: firewall-cmd --reload wipes Docker's chains ------------

new_twin usernet-portmap
_twin_bridge1
twin_container c1 bridge1 192.0.2.2 -p 8080:80 --serve tcp:0.0.0.0:80
twin_up
hostfw_firewalld_config iptables --docker-zone
hostfw_firewalld_start
expect_docker_rules_gone
hostfw_docker_replay
hostfw_firewall_cmd --zone=docker --add-interface=bridge1

twin_case "firewalld (iptables backend), bridge1 in zone docker: remote client -> 203.0.113.1:8080"
hostfw_rules '^-A (INPUT|FORWARD|FORWARD_ZONES|FORWARD_POLICIES_pre|FWD_docker|FWD_public) '
expect_netns_curl "$TWIN_REMOTE" 203.0.113.1:8080 0
remote_reachable
hostfw_expect_evidence firewalld

twin_case "firewall-cmd --reload (iptables backend): remote client -> 203.0.113.1:8080"
hostfw_firewall_cmd --reload
expect_docker_rules_gone
hostfw_rules '^-A (INPUT_ZONES|IN_public) '
# docker-proxy still holds 0.0.0.0:8080; firewalld's INPUT rejects it
# (IN_public: -j REJECT --reject-with icmp-port-unreachable).
expect_netns_curl "$TWIN_REMOTE" 203.0.113.1:8080 7
expect_rules_wiped_verdict

twin_case "firewall-cmd --reload (iptables backend): this host -> localhost:8080 (docker-proxy)"
expect_netns_curl "$TWIN_HOST" localhost:8080 0
hostfw_whyno 8080 --json
expect_verdict reachable
expect_status 0
