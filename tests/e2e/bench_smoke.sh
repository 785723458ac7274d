#!/usr/bin/env bash
# The benchmark harness (bench/run.sh) still works: one run at the smallest
# size (1 container, 1000 rules, 1000 sockets, 3 runs each). A benchmark, not a
# timed test: the figures are printed, never judged; this fails only when the
# harness breaks (a scenario that does not run, a row missing or not a number,
# something left behind on the host).
source "$(dirname "$0")/lib.sh"
require_root_and_docker

table=$T_DIR/table
snapshot_host_state "$T_DIR/host.before"
log "running bench/run.sh at the smallest size"
status=0
WHYNO_TEST_PROGRAMS_DIR=$PROGRAMS_DIR WHYNO_BENCH_HOST_PORT=$HOST_PORT \
  timeout --kill-after=10 170 "$REPO_DIR/bench/run.sh" --sizes 1 --rules 1000 --sockets 1000 --runs 3 \
  >"$table" 2>"$T_DIR/bench.err" || status=$?
cat "$table" "$T_DIR/bench.err"
[[ $status -eq 0 ]] || fail "bench/run.sh exited $status"

number='[0-9]+\.[0-9]'
expect_row() {
  grep -Eq -- "$1" "$table" || fail "the table has no row matching /$1/"
}
expect_row "^# .* 3 runs, median$"
expect_row "^scenario +whyno-port ms +recipe ms +floor ms"
expect_row "^containers 1: $HOST_PORT +$number+ +$number+ +$number+ +$number+ +$number+ +[0-9]+ / [0-9]+$"
expect_row "^containers 1: --all \\(1 port\\) +$number+ +$number+ +$number+ +$number+ +$number+ +[0-9]+ / [0-9]+$"
expect_row "^rules 1000 \\(ip netns exec\\) +$number+ +- +$number+ +- +$number+ +[0-9]+ / [0-9]+$"
expect_row "^sockets 1000 \\(--netns\\) +$number+ +- +$number+ +- +$number+ +[0-9]+ / [0-9]+$"

snapshot_host_state "$T_DIR/host.after"
changes=$(diff -u "$T_DIR/host.before" "$T_DIR/host.after") ||
  fail "bench/run.sh left the host changed:"$'\n'"$changes"
[[ -z $(docker image ls -q --filter label=org.whyno-port.bench) ]] || fail "bench/run.sh left its image"
