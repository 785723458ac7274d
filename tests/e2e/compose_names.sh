#!/usr/bin/env bash
# Compose names (seed 001, "Mapping to Docker Compose"): with Debian's
# docker-compose, services are named as users think of them. api -> db:5432
# works by the service's DNS name; api -> localhost:5432 does not; --from
# and --container take service names; a service with replicas is ambiguous
# (exit 2, the candidates listed); a typo gets "did you mean".
source "$(dirname "$0")/lib.sh"
require_root_and_docker
need_tools_or_install docker-compose docker-compose

project=$(echo "${T//-/}" | tr -cd 'a-z0-9')
dir=$T_DIR/compose
mkdir -p "$dir"
cat >"$dir/docker-compose.yml" <<YAML
version: "2.4"
x-labels: &labels
  labels:
    org.whyno-port.test: "$T"
    org.whyno-port.test.pid: "$$"
services:
  db:
    image: $IMAGE
    command: ["tcp:0.0.0.0:5432"]
    <<: *labels
  cache:
    image: $IMAGE
    command: ["tcp:127.0.0.1:6379"]
    <<: *labels
  api:
    image: $IMAGE
    entrypoint: ["/bin/busybox", "sleep", "3600"]
    <<: *labels
  worker:
    image: $IMAGE
    entrypoint: ["/bin/busybox", "sleep", "3600"]
    scale: 2
    <<: *labels
YAML
compose() {
  docker-compose --project-name "$project" --project-directory "$dir" -f "$dir/docker-compose.yml" "$@"
}
on_exit docker-compose --project-name "$project" --project-directory "$dir" -f "$dir/docker-compose.yml" down -v --remove-orphans
compose up -d >/dev/null 2>&1 || fail "docker-compose up failed: $(compose up -d 2>&1 | tail -n 3)"
api=$(docker ps -q --filter "label=com.docker.compose.project=$project" \
        --filter "label=com.docker.compose.service=api")
[[ -n $api ]] || fail "no api container"
api_name=$(docker inspect -f '{{.Name}}' "$api" | sed 's#^/##')
wait_listening "$(docker ps -q --filter "label=com.docker.compose.project=$project" --filter "label=com.docker.compose.service=db")" tcp 5432
wait_listening "$(docker ps -q --filter "label=com.docker.compose.project=$project" --filter "label=com.docker.compose.service=cache")" tcp 6379

log "case: api -> db:5432 by the service's DNS name, the client named by its service"
expect_client "$api_name" db 5432 connected
run_whyno db:5432 --from api --json
expect_verdict reachable
expect_status 0
expect_probe connected answered

log "case: api -> localhost:5432 stays inside api"
expect_client "$api_name" localhost 5432 refused
run_whyno localhost:5432 --from api --json
expect_verdict localhost-is-self
expect_status 1
expect_probe refused

log "case: api -> cache:6379, which listens on 127.0.0.1 only"
expect_client "$api_name" cache 6379 refused
run_whyno cache:6379 --from api --json
expect_verdict bound-to-loopback
expect_status 1

log "case: a service with two replicas is ambiguous"
run_whyno db:5432 --from worker
expect_status 2
expect_stderr_one_line
expect_stderr_matches "'worker' is the Compose service of 2 containers"
run_whyno db:5432 --from "$project/worker"
expect_status 2

log "case: a typo gets did-you-mean"
run_whyno db:5432 --from apu
expect_status 2
expect_stderr_one_line
expect_stderr_matches "did you mean api"
run_whyno 6379 --container cahce
expect_status 2
expect_stderr_matches "did you mean cache"
