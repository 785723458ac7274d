#!/usr/bin/env bash
# Usage errors exit 2 with one line on stderr; what cannot be inspected
# (a stopped --from container, no engine, no privileges) exits 3.
source "$(dirname "$0")/lib.sh"
require_root_and_docker

for target in 0 70000 abc 8080/sctp; do
  run_whyno "$target"
  expect_status 2
  expect_stderr_one_line
done

run_whyno "$HOST_PORT" --container "$T-nope"
expect_status 2

start_exited "$T-stopped"
run_whyno "localhost:3000" --from "$T-stopped"
expect_status 3

run_whyno_with env DOCKER_HOST=unix:///nonexistent.sock -- "$HOST_PORT"
expect_status 3
expect_stderr_one_line

# The user's choice of engine is the only one read, even when others answer.
run_whyno "$HOST_PORT" --engine /nonexistent.sock
expect_status 3
expect_stderr_matches '/nonexistent.sock does not exist'
for engine in "--engine tcp://10.0.0.5:2375" "--engine ssh://me@box"; do
  # shellcheck disable=SC2086 # the option and its value
  run_whyno "$HOST_PORT" $engine
  expect_status 2  # a bad option value is a usage error
  expect_stderr_one_line
  expect_stderr_matches 'takes a unix socket of this host.*tcp:// and ssh:// are not read'
done
run_whyno_with env DOCKER_HOST=tcp://10.0.0.5:2375 -- "$HOST_PORT"
expect_status 3
expect_stderr_matches '^whyno-port: DOCKER_HOST=tcp://10.0.0.5:2375 is not supported'
run_whyno "$HOST_PORT" --engine ""
expect_status 2

# Options and ports that are wrong say what is wrong, with the one meant.
run_whyno "$HOST_PORT" --timeout 2s
expect_status 2
expect_stderr_matches 'did you mean --probe-timeout\?'
run_whyno -1
expect_status 2
expect_stderr_matches 'port must be between 1 and 65535, not -1'
run_whyno 8080/tcp/udp
expect_status 2
expect_stderr_matches 'one protocol at a time'
run_whyno -V
expect_status 0
expect_stdout_matches '^whyno-port [0-9.]+ \(commit [0-9a-f]+\)$'

# --json answers in JSON even when there is no answer: a script reads .error.
run_whyno "$HOST_PORT" --json --container "$T-nope"
expect_status 2
expect_json '.error.exit_status == 2 and .ok == false and (.error.message | test("no container"))'
run_whyno_with env DOCKER_HOST=unix:///nonexistent.sock -- "$HOST_PORT" --json
expect_status 3
expect_json '.error.exit_status == 3 and .verdict == null'
run_whyno --timeout 2s --json
expect_status 2
expect_json '.error.message | test("did you mean")'

run_whyno_with setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$HOST_PORT"
expect_status 3
expect_stderr_matches 'CAP_SYS_ADMIN|CAP_NET_ADMIN'
