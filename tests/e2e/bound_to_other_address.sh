#!/usr/bin/env bash
# Catalogue #31: the container is on two networks; the app binds its
# address on the second one, but -p forwards to its default-bridge address.
source "$(dirname "$0")/lib.sh"
require_root_and_docker

# A documentation prefix (RFC 5737 TEST-NET-3); --ip needs a fixed subnet.
subnet=203.0.113.0/24
app_ip=203.0.113.10
if [[ -n $(ip route show to match "$app_ip") && $(ip route show to match "$app_ip") != default* ]]; then
  fail "$subnet is routed here already: $(ip route show to match "$app_ip")"
fi
create_network "$T-back" --subnet "$subnet"
# The app binds once the second network is connected.
run_container "$T-web" -p "$HOST_PORT:3000" "$IMAGE" --delay-start 1500 "tcp:$app_ip:3000"
docker network connect --ip "$app_ip" "$T-back" "$T-web"
wait_listening "$T-web" tcp 3000
expect_host_curl "localhost:$HOST_PORT" 52 56

run_whyno "$HOST_PORT" --json
expect_verdict bound-to-other-address
expect_status 1
expect_probe reset-or-closed
expect_json 'any(.listeners[]; .address == $ip and .port == 3000 and .bind == "specific")' --arg ip "$app_ip"
expect_text .summary "$(docker inspect -f '{{.NetworkSettings.Networks.bridge.IPAddress}}' "$T-web")"
