#!/usr/bin/env bash
# Catalogue #15-17, #21: a netfilter rule drops the traffic on its way to
# the container: the user's DOCKER-USER rule, a native nftables table of
# its own (an accept in Docker's FORWARD is not final), or an OUTPUT rule
# that drops docker-proxy's connection to the container; raw PREROUTING
# before DNAT; INPUT for a container dialling the host's published port.
source "$(dirname "$0")/lib.sh"
require_root_and_docker

start_server "$T-web" -p "$HOST_PORT:3000" -- tcp:0.0.0.0:3000
ip=$(container_ip "$T-web")
create_remote_client remote
remote_target=$REMOTE_HOST_ADDR:$HOST_PORT
expect_netns_curl "$REMOTE_NS" "$remote_target" 0

log "case: DOCKER-USER drops the remote client's network"
add_iptables_rule DOCKER-USER -s "${REMOTE_CLIENT_ADDR%.*}.0/24" -j DROP
expect_netns_curl "$REMOTE_NS" "$remote_target" 28
run_whyno "$remote_target" --from "$REMOTE_CLIENT_ADDR" --json
expect_verdict firewall-blocked
expect_status 1
expect_probe timed-out  # sent from the client's own namespace
expect_text .summary "DOCKER-USER"
# The fix to paste deletes that rule, and curl proves it was the one.
expect_json '.fix_commands[1] == "iptables -D DOCKER-USER 1"'
run_fix_command 1
expect_netns_curl "$REMOTE_NS" "$remote_target" 0

log "case: a native nftables table drops forwarded traffic to the container"
table=wt_fw_${T##*-}
add_nft_table inet "$table" <<NFT
  chain forward_drop {
    type filter hook forward priority 10; policy accept;
    ip daddr $ip tcp dport 3000 drop
  }
NFT
expect_netns_curl "$REMOTE_NS" "$remote_target" 28
run_whyno "$remote_target" --from "$REMOTE_CLIENT_ADDR" --json
expect_verdict firewall-blocked
expect_status 1
expect_probe timed-out  # sent from the client's own namespace
expect_text .summary "inet $table forward_drop"
expect_json '.fix_commands[1] | test("^nft delete rule inet wt_fw_[0-9a-f]+ forward_drop handle [0-9]+$")'
run_fix_command 1
expect_netns_curl "$REMOTE_NS" "$remote_target" 0
nft delete table inet "$table"

log "case: OUTPUT drops docker-proxy's connection to the container"
add_iptables_rule OUTPUT -d "$ip" -p tcp --dport 3000 -j DROP
# docker-proxy accepts curl, then its own SYN to the container is dropped.
expect_host_curl "localhost:$HOST_PORT" 28
run_whyno "$HOST_PORT" --json
expect_verdict firewall-blocked
expect_status 1
expect_probe connected timed-out
expect_text .summary "OUTPUT"
expect_text .summary "docker-proxy"
remove_iptables_rule OUTPUT -d "$ip" -p tcp --dport 3000 -j DROP

log "case: raw PREROUTING drops the remote client before DNAT"
add_iptables_rule PREROUTING -t raw -s "$REMOTE_CLIENT_ADDR" -p tcp --dport "$HOST_PORT" -j DROP
expect_netns_curl "$REMOTE_NS" "$remote_target" 28
run_whyno "$remote_target" --from "$REMOTE_CLIENT_ADDR" --json
expect_verdict firewall-blocked
expect_status 1
expect_probe timed-out  # sent from the client's own namespace
expect_text .summary "raw PREROUTING, rule "
expect_text .summary "-A PREROUTING -s $REMOTE_CLIENT_ADDR/32 -p tcp -m tcp --dport $HOST_PORT -m comment"
expect_json '.rules | any(.syntax == "iptables" and .table == "raw" and .chain == "PREROUTING")'
run_whyno "$remote_target" --from "$REMOTE_CLIENT_ADDR" --json --explain
expect_json '.trace | any(.event == "rule" and .deciding and (.text | contains("-A PREROUTING")))'
remove_iptables_rule PREROUTING -t raw -s "$REMOTE_CLIENT_ADDR" -p tcp --dport "$HOST_PORT" -j DROP

log "case: INPUT drops a container dialling the host's published port"
start_client "$T-client"
gateway=$(docker inspect -f '{{.NetworkSettings.Gateway}}' "$T-client")
expect_client "$T-client" "$gateway" "$HOST_PORT" connected
add_iptables_rule INPUT -i docker0 -p tcp --dport "$HOST_PORT" -j DROP
expect_client "$T-client" "$gateway" "$HOST_PORT" timeout
run_whyno "$gateway:$HOST_PORT" --from "$T-client" --json
expect_verdict firewall-blocked
expect_status 1
expect_probe timed-out
expect_text .summary "INPUT"
