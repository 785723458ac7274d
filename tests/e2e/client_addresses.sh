#!/usr/bin/env bash
# Issue 12, addresses as users type them: every address a client dials is
# tried in its order, as curl tries them.
# - localhost is ::1 first, then 127.0.0.1: published on 127.0.0.1 only, ::1
#   is refused and curl falls back, so the port is reachable and the output
#   says ::1 failed;
# - a host name with two addresses (::1 and 127.0.0.1, from an /etc/hosts
#   entry added for the run and removed at exit) gets the same;
# - ::ffff:127.0.0.1 (IPv4-mapped) is 127.0.0.1;
# - the host's own address on docker0 is this host.
source "$(dirname "$0")/lib.sh"
require_root_and_docker

start_server "$T-lo" -p "127.0.0.1:$HOST_PORT:3000" -- tcp:0.0.0.0:3000
start_server "$T-any" -p "$OTHER_HOST_PORT:3000" -- tcp:0.0.0.0:3000

log "case: localhost: ::1 refused, 127.0.0.1 published"
expect_host_curl "[::1]:$HOST_PORT" 7
expect_host_curl "localhost:$HOST_PORT" 0
run_whyno "$HOST_PORT" --json
expect_verdict reachable
expect_status 0
expect_probe answered
expect_json '[.addresses[].address] == ["::1", "127.0.0.1"]'
expect_json '.addresses[0].ok == false and .addresses[0].connect_fails and .addresses[1].ok'
expect_text .summary "::1 is tried first and fails; the client falls back to 127.0.0.1."
expect_text .probe.target "(127.0.0.1 after ::1 refused)"
run_whyno "$HOST_PORT"
expect_status 0
expect_stdout_matches "client: localhost is dialled at ::1 then 127\.0\.0\.1.*failed: ::1 \(host-address-mismatch: .* only on 127\.0\.0\.1"

log "case: localhost: docker-proxy on [::] takes ::1 first"
run_whyno "$OTHER_HOST_PORT" --json
expect_verdict reachable
expect_status 0
expect_json '[.addresses[].address] == ["::1"]'

log "case: a host name with two addresses, ::1 first"
name=$T.test
saved_hosts=$T_DIR/hosts.saved
cp /etc/hosts "$saved_hosts"
# cp writes into the file in place: /etc/hosts may be a bind mount.
on_exit cp "$saved_hosts" /etc/hosts
printf '::1 %s\n127.0.0.1 %s\n' "$name" "$name" >>/etc/hosts
expect_host_curl "$name:$HOST_PORT" 0
run_whyno "$name:$HOST_PORT" --json
expect_verdict reachable
expect_status 0
expect_probe answered
expect_json '[.addresses[].address] == ["::1", "127.0.0.1"]'
expect_json '.addresses[0].verdict == "host-address-mismatch"'
cp "$saved_hosts" /etc/hosts
cmp -s "$saved_hosts" /etc/hosts || fail "/etc/hosts was not restored"

log "case: IPv4-mapped IPv6 is IPv4"
expect_host_curl "[::ffff:127.0.0.1]:$HOST_PORT" 0
run_whyno "[::ffff:127.0.0.1]:$HOST_PORT" --json
expect_verdict reachable
expect_status 0
expect_probe answered
expect_json '.addresses == []'

log "case: the host's own address on docker0"
bridge=$(docker network inspect bridge -f '{{index .Options "com.docker.network.bridge.name"}}')
gateway=$(ip -4 -o addr show dev "${bridge:-docker0}" | awk '{ sub("/.*", "", $4); print $4; exit }')
[[ -n $gateway ]] || fail "the default bridge ${bridge:-docker0} has no IPv4 address"
expect_host_curl "$gateway:$OTHER_HOST_PORT" 0
run_whyno "$gateway:$OTHER_HOST_PORT" --json
expect_verdict reachable
expect_status 0
expect_probe answered
expect_host_curl "$gateway:$HOST_PORT" 7
run_whyno "$gateway:$HOST_PORT" --json
expect_verdict host-address-mismatch
expect_status 1
