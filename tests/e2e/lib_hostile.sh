# shellcheck shell=bash
# Sourced by tests/e2e/hostile_engine.sh, after lib.sh: a fake engine that
# misbehaves (tests/programs/hostile_engine.c) and checks that collect every
# failure instead of stopping at the first, so one run reports on all modes.
#
# No dockerd, no ports: the engine is a unix socket under $T_DIR, and
# whyno-port finds it through DOCKER_HOST.

HOSTILE_FIXTURES=$REPO_DIR/tests/fixtures/engine
# Beyond PID_MAX_LIMIT (2^22): no process ever has it, so every running
# container's namespace read fails the way a vanished process's does.
HOSTILE_FAKE_PID=4194304
# Within this, or the case fails (whyno-port's own engine budget is 5 s).
HOSTILE_MAX_SECONDS=8
HOSTILE_MAX_CHARS=300

HOSTILE_FAILURES=()
HOSTILE_ROWS=()

# The bytes no output may hold, for `LC_ALL=C grep -P`: C0 controls but tab
# and newline, DEL, C1 controls (UTF-8 C2 80-9F), U+200B-U+200F,
# U+202A-U+202E, U+2066-U+2069.
HOSTILE_RAW_PATTERN='[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\x8b-\x8f\xaa-\xae]|\xe2\x81[\xa6-\xa9]'

# hostile_fail CASE MESSAGE: records a failed assertion; the test goes on.
hostile_fail() {
  HOSTILE_FAILURES+=("$1: $2")
  echo "FAIL: $TEST_NAME: $1: $2" >&2
}

# hostile_prologue: root, the binary, the programs. Sets HOSTILE_SERVER and
# HOSTILE_WHYNO (a private copy of $WHYNO_PORT: a rebuild during the run
# must not mix two binaries into one report).
hostile_prologue() {
  if [[ $(id -u) -ne 0 ]]; then
    echo "SKIP: $TEST_NAME needs root (whyno-port checks its capabilities before it" \
         "talks to the engine); run ctest as root or ./quickstart test"
    exit 125
  fi
  local tool _
  for tool in musl-gcc jq timeout iconv perl; do
    command -v "$tool" >/dev/null 2>&1 || fail "missing tool: $tool"
  done
  # A rebuild replaces the binary for a moment: give it a minute to return.
  for _ in $(seq 1 60); do
    [[ -z ${WHYNO_PORT:-} || -x $WHYNO_PORT ]] && break
    sleep 1
  done
  if [[ -z ${WHYNO_PORT:-} || ! -x $WHYNO_PORT ]]; then
    fail "WHYNO_PORT must name the whyno-port binary (got '${WHYNO_PORT:-}')"
  fi
  HOSTILE_WHYNO=$T_DIR/whyno-port
  cp "$WHYNO_PORT" "$HOSTILE_WHYNO"
  # build.sh also refreshes the whyno-test image, which needs dockerd; this
  # test needs only the compiled programs, so an image step that fails
  # without dockerd is not ours to fail on.
  if ! "$REPO_DIR/tests/programs/build.sh" "$PROGRAMS_DIR"; then
    local source=$REPO_DIR/tests/programs/hostile_engine.c
    if [[ $PROGRAMS_DIR/hostile_engine -nt $source ]]; then
      log "tests/programs/build.sh failed after compiling (no dockerd for the image?); going on"
    else
      fail "could not build the test programs"
    fi
  fi
  HOSTILE_SERVER=$(readlink -f "$PROGRAMS_DIR/hostile_engine")
  [[ -x $HOSTILE_SERVER ]] || fail "no $PROGRAMS_DIR/hostile_engine"
  log "whyno-port: $WHYNO_PORT (copied), engine: $HOSTILE_SERVER"
}

# hostile_prepare_data DIR: a well-behaved engine's answers, from the
# recorded fixtures, with every live PID replaced by $HOSTILE_FAKE_PID
# (the recorded ones may belong to some process of this machine now).
hostile_prepare_data() {
  local dir=$1 file id
  mkdir -p "$dir/inspect"
  cp "$HOSTILE_FIXTURES/containers_list.json" "$dir/containers.json"
  cp "$HOSTILE_FIXTURES/networks.json" "$HOSTILE_FIXTURES/version.json" \
     "$HOSTILE_FIXTURES/info.json" "$dir/"
  for file in "$HOSTILE_FIXTURES"/inspect_*.json; do
    [[ $file == *synthetic* ]] && continue
    id=$(jq -r .Id "$file")
    jq -c --argjson pid "$HOSTILE_FAKE_PID" \
      '.State.Pid |= (if . > 0 then $pid else . end)' "$file" >"$dir/inspect/$id.json"
  done
}

# hostile_start MODE DATADIR: the fake engine in MODE on a socket of its own.
# Sets HOSTILE_SOCKET, HOSTILE_LOG, HOSTILE_PID; killed at exit in any case.
hostile_start() {
  local mode=$1 data=$2 _
  HOSTILE_SOCKET=$T_DIR/$mode.sock
  HOSTILE_LOG=$T_DIR/$mode.engine.log
  rm -f "$HOSTILE_SOCKET"
  "$HOSTILE_SERVER" "$HOSTILE_SOCKET" "$mode" "$data" </dev/null >"$HOSTILE_LOG" 2>&1 &
  HOSTILE_PID=$!
  on_exit _kill_host_program "$HOSTILE_PID" "$HOSTILE_SERVER"
  for _ in $(seq 1 100); do
    if grep -q '^listening ' "$HOSTILE_LOG" 2>/dev/null && [[ -S $HOSTILE_SOCKET ]]; then
      return 0
    fi
    kill -0 "$HOSTILE_PID" 2>/dev/null || break
    sleep 0.05
  done
  fail "hostile_engine $mode did not start: $(cat "$HOSTILE_LOG")"
}

# hostile_stop CASE: stops the engine; it must still have been running (a
# dead engine would make the case test something else).
hostile_stop() {
  local case=$1 status=0
  if ! kill -0 "$HOSTILE_PID" 2>/dev/null; then
    wait "$HOSTILE_PID" 2>/dev/null || status=$?
    hostile_fail "$case" "hostile_engine died during the case (exit status $status):" \
                 "$(tail -n 5 "$HOSTILE_LOG")"
    return 0
  fi
  kill "$HOSTILE_PID" 2>/dev/null || true
  wait "$HOSTILE_PID" 2>/dev/null || true
  rm -f "$HOSTILE_SOCKET"
}

# hostile_run CASE ARGS...: whyno-port ARGS against the fake engine, timed.
# Sets H_STATUS, H_MS (wall time), H_OUT and H_ERR (files).
hostile_run() {
  local case=$1 start end
  shift
  H_OUT=$T_DIR/$case.out
  H_ERR=$T_DIR/$case.err
  H_STATUS=0
  start=$(date +%s%N)
  timeout --kill-after=2 15 env DOCKER_HOST="unix://$HOSTILE_SOCKET" LC_ALL=C.UTF-8 \
    "$HOSTILE_WHYNO" "$@" >"$H_OUT" 2>"$H_ERR" || H_STATUS=$?
  end=$(date +%s%N)
  H_MS=$(((end - start) / 1000000))
  log "$case: whyno-port $*: exit $H_STATUS in $(hostile_seconds) s"
}

hostile_seconds() {
  printf '%d.%03d' $((H_MS / 1000)) $((H_MS % 1000))
}

# The first line of stderr as a log can show it: bytes outside printable
# ASCII as \xNN, cut after 300 characters.
hostile_err_line() {
  local line
  line=$(head -n 1 "$H_ERR" |
         LC_ALL=C perl -ne 'chomp; s/([^\x20-\x7e])/sprintf("\\x%02x", ord($1))/ge; print')
  if [[ ${#line} -gt 300 ]]; then
    line="${line:0:297}..."
  fi
  printf '%s' "$line"
}

# --- assertions on the last hostile_run; each records, none exits -----------

# Every case: bounded time, no crash or signal, clean bytes, valid UTF-8.
hostile_check_common() {
  local case=$1 stream file
  if [[ $H_STATUS -eq 124 || $H_STATUS -eq 137 ]]; then
    hostile_fail "$case" "did not finish within 15 s (timeout exit $H_STATUS)"
  elif [[ $H_STATUS -ge 128 ]]; then
    hostile_fail "$case" "died of signal $((H_STATUS - 128)) (exit status $H_STATUS)"
  elif [[ $H_STATUS -gt 4 ]]; then
    hostile_fail "$case" "exit status $H_STATUS is not a documented one (0-4)"
  fi
  if [[ $H_MS -gt $((HOSTILE_MAX_SECONDS * 1000)) ]]; then
    hostile_fail "$case" "took $(hostile_seconds) s, more than $HOSTILE_MAX_SECONDS s"
  fi
  for stream in stdout stderr; do
    file=$H_OUT
    [[ $stream == stderr ]] && file=$H_ERR
    if LC_ALL=C grep -aqP "$HOSTILE_RAW_PATTERN" "$file"; then
      hostile_fail "$case" "$stream holds raw control, C1, zero-width or bidi bytes:" \
                   "$(LC_ALL=C grep -aoP "$HOSTILE_RAW_PATTERN" "$file" | od -An -tx1 |
                      tr -s ' \n' ' ' | cut -c1-120)"
    fi
    if ! iconv -f UTF-8 -t UTF-8 "$file" >/dev/null 2>&1; then
      hostile_fail "$case" "$stream is not valid UTF-8"
    fi
  done
}

# The engine could not be inspected: exit 3, one short line on stderr; on
# stdout nothing, or with JSON=1 one JSON error object saying the same.
hostile_check_engine_failure() {
  local case=$1 json=${2:-0} lines chars bytes line
  if [[ $H_STATUS -ne 3 ]]; then
    hostile_fail "$case" "exit status $H_STATUS, expected 3 (could not inspect)"
  fi
  if [[ $json -eq 1 ]]; then
    if [[ $(jq -s length "$H_OUT" 2>/dev/null) != 1 ]] ||
       ! jq -e '.ok == false and .verdict == null and .error.exit_status == 3' "$H_OUT" >/dev/null; then
      hostile_fail "$case" "stdout is not one JSON error object with exit_status 3"
    elif [[ "whyno-port: $(jq -r .error.message "$H_OUT")" != "$(head -n 1 "$H_ERR")" ]]; then
      hostile_fail "$case" "the JSON error's message is not the stderr line"
    fi
  elif [[ -s $H_OUT ]]; then
    hostile_fail "$case" "stdout is not empty ($(wc -c <"$H_OUT") bytes)"
  fi
  lines=$(wc -l <"$H_ERR")
  if [[ ! -s $H_ERR || $lines -ne 1 || -n $(tail -c1 "$H_ERR") ]]; then
    hostile_fail "$case" "stderr is not exactly one line ($lines newlines, $(wc -c <"$H_ERR") bytes)"
  fi
  line=$(head -n 1 "$H_ERR")
  bytes=$(printf '%s' "$line" | wc -c)
  chars=$(printf '%s' "$line" | LC_ALL=C.UTF-8 wc -m)
  H_SIZE="$chars/$bytes"
  if [[ $chars -gt $HOSTILE_MAX_CHARS ]]; then
    hostile_fail "$case" "the stderr line has $chars characters ($bytes bytes), more than $HOSTILE_MAX_CHARS"
  fi
  if [[ $line != "whyno-port: "* ]]; then
    hostile_fail "$case" "the stderr line does not start with 'whyno-port: '"
  fi
}

# A diagnosis ran: exit 1 or 4, a verdict on stdout, nothing on stderr.
# JSON=1 also checks that stdout is one JSON object with a verdict.
hostile_check_diagnosis() {
  local case=$1 json=$2 count
  if [[ $H_STATUS -ne 1 && $H_STATUS -ne 4 ]]; then
    hostile_fail "$case" "exit status $H_STATUS, expected 1 (problem) or 4 (inconclusive)"
  fi
  if [[ ! -s $H_OUT ]]; then
    hostile_fail "$case" "stdout is empty, expected the diagnosis"
  fi
  if [[ -s $H_ERR ]]; then
    hostile_fail "$case" "stderr is not empty: $(hostile_err_line)"
  fi
  if [[ $json -eq 1 && -s $H_OUT ]]; then
    if ! count=$(jq -s length "$H_OUT" 2>/dev/null); then
      hostile_fail "$case" "stdout is not JSON"
    elif [[ $count -ne 1 ]] || ! jq -e '.verdict | type == "string"' "$H_OUT" >/dev/null; then
      hostile_fail "$case" "stdout is not one JSON object with a verdict"
    fi
  fi
}

# hostile_expect_words CASE EXTENDED-REGEX WHAT: stderr must match
# (case-insensitively).
hostile_expect_words() {
  local case=$1 regex=$2 what=$3
  if ! grep -Eiq -- "$regex" "$H_ERR"; then
    hostile_fail "$case" "stderr does not say $what: $(hostile_err_line)"
  fi
}

# hostile_expect_escaped CASE FILE WHAT FIXED-STRING...: FILE holds one of the
# strings (an escaped form of a hostile character), compared ignoring case.
hostile_expect_escaped() {
  local case=$1 file=$2 what=$3
  shift 3
  local patterns=() form
  for form in "$@"; do
    patterns+=(-e "$form")
  done
  if ! LC_ALL=C grep -aFiq "${patterns[@]}" "$file"; then
    hostile_fail "$case" "$what is not shown escaped (looked for: $*)"
  fi
}

# hostile_row CASE RESULT: one line of the summary table for the last run:
# stderr's first line, or for a diagnosis in JSON its verdict.
hostile_row() {
  local case=$1 result=$2 shown
  shown=$(hostile_err_line)
  if [[ -z $shown && -s $H_OUT ]]; then
    shown="(stdout: $(jq -r '"verdict " + .verdict' "$H_OUT" 2>/dev/null || echo "the text diagnosis"))"
  fi
  HOSTILE_ROWS+=("$(printf '%-25s %4s %6s %8s  %-4s  %s' "$case" "$H_STATUS" \
    "$(hostile_seconds)" "${H_SIZE:--}" "$result" "$shown")")
  H_SIZE=
}

hostile_summary() {
  printf -- '--- %s\n%-25s %4s %6s %8s  %-4s  %s\n' "$TEST_NAME: one line per whyno-port run" \
    "mode/run" exit secs ch/bytes res "stderr line" >&2
  printf '%s\n' "${HOSTILE_ROWS[@]}" >&2
  if [[ ${#HOSTILE_FAILURES[@]} -gt 0 ]]; then
    echo "--- ${#HOSTILE_FAILURES[@]} failed assertions:" >&2
    printf '  %s\n' "${HOSTILE_FAILURES[@]}" >&2
    return 1
  fi
  return 0
}
