#!/usr/bin/env bash
# The engine goes away: dockerd frozen (SIGSTOP: it accepts, never answers),
# stopped while whyno-port talks to it, and gone. Each is one sentence and
# exit status 3 within the engine's 5 s budget, or a diagnosis whose
# reachable is backed by the probe; never a hang or a crash. With no engine
# left at all, the host is diagnosed as it is (issue 18). dockerd is
# started again at the end, whatever happens.
source "$(dirname "$0")/lib.sh"
require_root_and_docker
on_exit ensure_dockerd

start_server "$T-web" -p "$HOST_PORT:3000" -- tcp:0.0.0.0:3000
dockerd_pid=$(pgrep -xo dockerd) || fail "no dockerd process"

log "case: dockerd frozen"
on_exit kill -CONT "$dockerd_pid"
kill -STOP "$dockerd_pid"
run_whyno_racing "$HOST_PORT" --json
kill -CONT "$dockerd_pid"
expect_status 3
expect_stderr_one_line
expect_stderr_matches 'no response to GET /_ping within 5\.[0-9] s'
awk -v s="$WHYNO_SECONDS" 'BEGIN { exit !(s < 8) }' || fail_whyno "took $WHYNO_SECONDS s"

log "case: dockerd stops while whyno-port runs"
"$WHYNO_PORT" "$HOST_PORT" --json >"$T_DIR/whyno.out" 2>"$T_DIR/whyno.err" &
whyno=$!
kill -TERM "$dockerd_pid"
WHYNO_STATUS=0
wait "$whyno" || WHYNO_STATUS=$?
WHYNO_OUT=$(<"$T_DIR/whyno.out")
WHYNO_COMMAND="whyno-port $HOST_PORT --json (dockerd stopping)"
log "exit $WHYNO_STATUS: $(head -c 300 "$T_DIR/whyno.err")"
[[ $WHYNO_STATUS -le 4 ]] || fail_whyno "exit status $WHYNO_STATUS (a crash?)"
expect_no_wrong_all_clear
for _ in $(seq 1 300); do
  kill -0 "$dockerd_pid" 2>/dev/null || break
  sleep 0.1
done

log "case: no dockerd at all: a host like any other, which says no engine runs"
expect_host_curl "localhost:$HOST_PORT" 7
run_whyno_racing "$HOST_PORT" --json
expect_status 1
expect_verdict nothing-published
expect_json 'any(.evidence[]; contains("no container engine runs on this host"))'

ensure_dockerd || fail "dockerd did not come back"
