#!/usr/bin/env bash
# Catalogue #30: the app listens but never accepts (hung); once its accept
# queue is over the backlog, the kernel drops new SYNs and clients hang.
source "$(dirname "$0")/lib.sh"
require_root_and_docker

start_server "$T-web" -p "$HOST_PORT:3000" -- --backlog 1 --no-accept tcp:0.0.0.0:3000
ip=$(container_ip "$T-web")
pid=$(docker inspect -f '{{.State.Pid}}' "$T-web")

# With backlog 1 the kernel queues 2; the third SYN is dropped. The clients
# wait for a reply that never comes and hold their connections meanwhile.
for _ in 1 2 3; do
  start_host_client --timeout 60000 "$ip" 3000
done
queue=0
for _ in $(seq 1 50); do
  queue=$(nsenter -t "$pid" -n ss -Hltn 'sport = :3000' | awk '{print $2}')
  if [[ ${queue:-0} -ge 2 ]]; then
    break
  fi
  sleep 0.1
done
log "reality: accept queue of $ip:3000 holds ${queue:-0} with backlog 1"
[[ ${queue:-0} -ge 2 ]] || fail "the accept queue did not fill"
# docker-proxy accepts; its own connection to the app is never answered.
expect_host_curl "localhost:$HOST_PORT" 28

run_whyno "$HOST_PORT" --json
expect_verdict backlog-full
expect_status 1
expect_probe connected timed-out
expect_json 'any(.listeners[]; .port == 3000 and .backlog == 1 and .accept_queue > .backlog
                 and any(.processes[]; .name == "server"))'
