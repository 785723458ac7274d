#!/usr/bin/env bash
# --all (and no PORT): every port of every container in one run. Four
# containers of one Compose project (by label, as docker-compose sets it):
# web answers on its published port, lo's app is bound to 127.0.0.1, closed
# publishes a port its app does not listen on, and db listens on a port it
# does not publish (and closed's app listens on a port it does not publish
# either). curl proves each published verdict; whyno-port --all
# must name every published port with the verdict a single query gives it,
# list db's port as not published (not broken), and exit 1.
source "$(dirname "$0")/lib.sh"
require_root_and_docker

third_port=$((HOST_PORT + 1))
need_free_host_ports "$third_port"
project=$(echo "w${T//-/}" | tr -cd 'a-z0-9')
label=(--label "com.docker.compose.project=$project")

start_server "$T-web" "${label[@]}" --label com.docker.compose.service=web \
  -p "$HOST_PORT:3000" -- tcp:0.0.0.0:3000
start_server "$T-lo" "${label[@]}" --label com.docker.compose.service=lo \
  -p "$OTHER_HOST_PORT:3000" -- tcp:127.0.0.1:3000
start_server "$T-closed" "${label[@]}" --label com.docker.compose.service=closed \
  -p "$third_port:4000" -- tcp:0.0.0.0:3000
start_server "$T-db" "${label[@]}" --label com.docker.compose.service=db -- tcp:0.0.0.0:5432

expect_host_curl "localhost:$HOST_PORT" 0
expect_host_curl "localhost:$OTHER_HOST_PORT" 52 56
expect_host_curl "localhost:$third_port" 52 56

log "case: --all --project, JSON: every port, each with its single-port verdict"
run_whyno --all --project "$project" --json
expect_status 1
expect_json '.mode == "all" and .ok == false'
expect_json '.counts == {ports: 5, published: 3, broken: 2, inconclusive: 0, unpublished: 2}'
expect_json '[.diagnoses[] | "\(.query.container) \(.query.port) \(.verdict) \(.published)"] == $want' \
  --argjson want "$(jq -nc --arg t "$T" --arg a "$third_port" --arg b "$HOST_PORT" --arg c "$OTHER_HOST_PORT" \
    '["\($t)-closed \($a) container-port-closed true", "\($t)-closed 3000 nothing-published false",
      "\($t)-db 5432 nothing-published false",
      "\($t)-lo \($c) bound-to-loopback true", "\($t)-web \($b) reachable true"]')"
expect_json '[.diagnoses[] | select(.published) | .probe.outcome] | all(. != "skipped")'
for port in "$HOST_PORT" "$OTHER_HOST_PORT" "$third_port"; do
  single=$({ timeout 60 "$WHYNO_PORT" "$port" --json --no-probe || true; } | jq -r .verdict)
  expect_json '[.diagnoses[] | select(.query.port == ($p | tonumber)) | .verdict] == [$v]' \
    --arg p "$port" --arg v "$single"
done

log "case: --all text: grouped by container, one line per port, the summary last"
run_whyno --all --project "$project" --no-probe --color never
expect_status 1
expect_stdout_matches "^$T-closed$"
expect_stdout_matches "$third_port/tcp +container-port-closed"
expect_stdout_matches "$OTHER_HOST_PORT/tcp +bound-to-loopback"
expect_stdout_matches "5432/tcp +not published"
expect_stdout_matches "fix: "
expect_stdout_matches "^5 ports: 3 published \\(2 broken\\), 2 not published"
[[ -z $WHYNO_ERR ]] || fail_whyno "stderr is not empty without a terminal: $WHYNO_ERR"

log "case: --all --container web alone: reachable, exit 0"
run_whyno --all --container "$T-web" --json
expect_status 0
expect_json '.ok and (.diagnoses | length) == 1 and .diagnoses[0].verdict == "reachable"'

log "case: no PORT is --all; every container of the host is in it"
run_whyno --json --no-probe
expect_json '[.diagnoses[] | .query.container] | index($n) != null' --arg n "$T-lo"

log "case: --project with a typo"
run_whyno --all --project "${project}x"
expect_status 2
expect_stderr_matches "did you mean $project\\?"

log "case: --all with a PORT is one sentence"
run_whyno --all 8080
expect_status 2
expect_stderr_matches "leave out PORT"

log "case: --all --save-facts, then --replay of that file: the same answer, probes included"
run_whyno --all --project "$project" --json --save-facts "$T_DIR/all.json"
cp "$T_DIR/whyno.out" "$T_DIR/live.json"
live_status=$WHYNO_STATUS
run_whyno --replay "$T_DIR/all.json" --json
expect_status "$live_status"
cmp -s "$T_DIR/live.json" "$T_DIR/whyno.out" || fail_whyno "the replayed --all differs from the live one"
expect_json 'any(.diagnoses[]; .probe.outcome != "skipped")'
run_whyno --replay "$T_DIR/all.json" "$OTHER_HOST_PORT" --json
expect_verdict bound-to-loopback
expect_json '.probe != null'

log "case: --all --engine of a socket that is not there reads nothing else (exit 3)"
run_whyno --all --engine unix:///nonexistent-whyno.sock
expect_status 3
expect_stderr_one_line
