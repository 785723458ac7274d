#!/usr/bin/env bash
# whyno-port --all --metrics FILE, read by a real node exporter: a container
# whose app binds 127.0.0.1 only (and one that works) is checked with
# --metrics into a textfile directory; Debian's prometheus-node-exporter,
# started here on a free loopback port with the textfile collector alone,
# must serve the bound-to-loopback series with 0 (and the reachable one
# with 1) at /metrics, and promtool must accept the file. A run that cannot
# inspect the host (no engine) replaces the file with run_* series only.
# The exporter is this test's own process; the Debian service is never
# touched.
source "$(dirname "$0")/lib.sh"
require_root_and_docker

exporter=/usr/bin/prometheus-node-exporter
for tool in "$exporter" promtool; do
  command -v "$tool" >/dev/null 2>&1 ||
    fail "missing $tool (apt-get install prometheus-node-exporter prometheus); ./quickstart test e2e installs it"
done

dir=$T_DIR/textfile
mkdir "$dir"
metrics=$dir/whyno-port.prom
project=$(echo "w${T//-/}" | tr -cd 'a-z0-9')

# has_series FILE NAME VALUE [LABEL=VALUE...]: FILE (the text format) has a
# NAME series with the value VALUE and each LABEL=VALUE given, in any order.
has_series() {
  local file=$1 name=$2 value=$3 line label ok open='[{,]' close='[,}]'
  shift 3
  while IFS= read -r line; do
    [[ ($line == "$name{"* || $line == "$name "*) && ${line##* } == "$value" ]] || continue
    ok=1
    for label in "$@"; do
      [[ $line == *$open"${label%%=*}=\"${label#*=}\""$close* ]] || { ok=0; break; }
    done
    ((ok)) && return 0
  done <"$file"
  return 1
}

# scrape FILE: node exporter's /metrics into FILE.
scrape() {
  curl -sS --max-time 5 --noproxy '*' "http://127.0.0.1:$exporter_port/metrics" >"$1" ||
    fail "could not scrape the node exporter at 127.0.0.1:$exporter_port"
}

start_server "$T-lo" --label "com.docker.compose.project=$project" \
  -p "$HOST_PORT:3000" -- tcp:127.0.0.1:3000
start_server "$T-web" -p "$OTHER_HOST_PORT:3000" -- tcp:0.0.0.0:3000
expect_host_curl "localhost:$HOST_PORT" 52 56
expect_host_curl "localhost:$OTHER_HOST_PORT" 0

log "case: --all --metrics writes the textfile, mode 0644, nothing else left in its directory"
run_whyno --all --metrics "$metrics"
expect_status 1  # a broken port (ours) wins over others' verdicts
[[ -f $metrics ]] || fail_whyno "no $metrics"
[[ $(stat -c %a "$metrics") == 644 ]] || fail_whyno "$metrics has mode $(stat -c %a "$metrics"), not 644"
left=$(find "$dir" -mindepth 1 -printf '%f ')
[[ $left == "whyno-port.prom " ]] || fail_whyno "left in $dir: $left"
promtool check metrics <"$metrics" || fail_whyno "promtool check metrics rejects $metrics:"$'\n'"$(cat "$metrics")"
has_series "$metrics" whyno_port_reachable 0 "container=$T-lo" "project=$project" \
  "host_port=$HOST_PORT" protocol=tcp verdict=bound-to-loopback ||
  fail_whyno "no bound-to-loopback series for $T-lo in the file:"$'\n'"$(cat "$metrics")"

# The exporter listens on port 0: the kernel picks a free port, read back
# with ss, so no port is guessed and none can be taken in between.
log "case: node exporter's textfile collector serves it"
setsid "$exporter" --web.listen-address=127.0.0.1:0 --collector.disable-defaults \
  --collector.textfile --collector.textfile.directory="$dir" \
  </dev/null >"$T_DIR/exporter.log" 2>&1 &
exporter_pid=$!
on_exit _kill_host_program "$exporter_pid" "$exporter"
exporter_port=
for _ in $(seq 1 100); do
  exporter_port=$(ss -Hltnp | awk -v want="pid=$exporter_pid," 'index($0, want) { sub(/.*:/, "", $4); print $4; exit }')
  [[ -n $exporter_port ]] && break
  kill -0 "$exporter_pid" 2>/dev/null || fail "the node exporter exited: $(cat "$T_DIR/exporter.log")"
  sleep 0.1
done
[[ -n $exporter_port ]] || fail "the node exporter did not listen within 10 s: $(cat "$T_DIR/exporter.log")"
log "node exporter (pid $exporter_pid) on 127.0.0.1:$exporter_port"

scrape "$T_DIR/scrape1"
has_series "$T_DIR/scrape1" node_textfile_scrape_error 0 ||
  fail "the textfile collector could not read $metrics: $(grep node_textfile "$T_DIR/scrape1")"
has_series "$T_DIR/scrape1" whyno_port_reachable 0 "container=$T-lo" "project=$project" \
  "host_port=$HOST_PORT" protocol=tcp verdict=bound-to-loopback ||
  fail "/metrics lacks the bound-to-loopback series of $T-lo:"$'\n'"$(grep whyno_port "$T_DIR/scrape1")"
has_series "$T_DIR/scrape1" whyno_port_reachable 1 "container=$T-web" \
  "host_port=$OTHER_HOST_PORT" protocol=tcp verdict=reachable ||
  fail "/metrics lacks the reachable series of $T-web:"$'\n'"$(grep whyno_port "$T_DIR/scrape1")"
has_series "$T_DIR/scrape1" whyno_port_run_success 1 || fail "/metrics lacks whyno_port_run_success 1"
grep -Eq '^whyno_port_ports\{outcome="broken"\} [1-9]' "$T_DIR/scrape1" ||
  fail "/metrics counts no broken port: $(grep whyno_port_ports "$T_DIR/scrape1")"
for name in whyno_port_run_duration_seconds whyno_port_run_timestamp_seconds; do
  grep -q "^$name " "$T_DIR/scrape1" || fail "/metrics lacks $name"
done

log "case: a run that cannot inspect the host replaces the file with run_* series, success 0"
run_whyno_with env DOCKER_HOST=unix:///nonexistent.sock -- --all --metrics "$metrics"
expect_status 3
promtool check metrics <"$metrics" || fail_whyno "promtool check metrics rejects $metrics:"$'\n'"$(cat "$metrics")"
has_series "$metrics" whyno_port_run_success 0 || fail_whyno "no whyno_port_run_success 0:"$'\n'"$(cat "$metrics")"
! grep -q '^whyno_port_reachable' "$metrics" || fail_whyno "a failed run still lists ports:"$'\n'"$(cat "$metrics")"
scrape "$T_DIR/scrape2"
has_series "$T_DIR/scrape2" whyno_port_run_success 0 || fail "/metrics does not show the failed run"
! grep -q '^whyno_port_reachable' "$T_DIR/scrape2" || fail "/metrics still serves the old port series"
