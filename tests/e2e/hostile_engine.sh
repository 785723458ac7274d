#!/usr/bin/env bash
# A hostile engine: whyno-port talks to a fake Engine API
# (tests/programs/hostile_engine.c) that answers garbage, too much, too
# little, too late, never, or with terminal escapes in names. Whatever the
# engine does, whyno-port must finish within 8 s without crashing, exit with
# a documented status, say what went wrong in one sentence of at most 300
# characters, and never print raw control, C1, zero-width or bidi
# characters, nor invalid UTF-8.
#
# No dockerd: the engine is a unix socket of the test's own (DOCKER_HOST).
# HOSTILE_MODES="huge truncated" runs only those modes.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/lib_hostile.sh"
hostile_prologue

ALL_MODES=(ok chunked malformed huge hang_after_accept hang_mid_body truncated
           control_names control_names_utf8 api_1_12 api_0_0 api_garbage api_missing
           api_huge_error bad_id)
read -r -a MODES <<<"${HOSTILE_MODES:-${ALL_MODES[*]}}"

DATA=$T_DIR/engine-data
hostile_prepare_data "$DATA"

LIST_REQUEST='^request GET /v[^/ ]*/containers/json'
SECONDS_FIGURE='[0-9]+(\.[0-9]+)? ?(s|secs?|seconds?)([^a-z]|$)'

# What the mode must make whyno-port say, beyond the common checks.
expect_mode() {
  local mode=$1 case=$2 json=$3
  case $mode in
    ok | chunked)
      hostile_check_diagnosis "$case" "$json"
      ;;
    control_names)
      # Its names also hold a raw 0xFF: JSON is UTF-8 only, so the engine's
      # answer is not JSON at all, and whyno-port says so.
      hostile_check_engine_failure "$case" "$json"
      ;;
    control_names_utf8)
      hostile_check_diagnosis "$case" "$json"
      if ! grep -aqF 'engine-web-' "$H_OUT"; then
        hostile_fail "$case" "the container's hostile name (engine-web-...) is not shown at all"
      fi
      if [[ $json -eq 1 ]]; then
        hostile_expect_escaped "$case" "$H_OUT" "ESC (U+001B)" '\u001b' '\\x1b' '\\u001b'
        hostile_expect_escaped "$case" "$H_OUT" "U+202E (bidi override)" \
          '\u202e' '\\u202e' '\\xe2\\x80\\xae'
        hostile_expect_escaped "$case" "$H_OUT" "U+009B (C1 CSI)" \
          '\u009b' '\\u009b' '\\xc2\\x9b' '\\x9b'
      else
        hostile_expect_escaped "$case" "$H_OUT" "ESC (U+001B)" '\x1b' '\u001b' '\e[' '\033'
      fi
      ;;
    *)
      hostile_check_engine_failure "$case" "$json"
      ;;
  esac
  case $mode in
    malformed | control_names) hostile_expect_words "$case" 'not valid JSON' "'not valid JSON'" ;;
    huge) hostile_expect_words "$case" '64 MiB' "'64 MiB'" ;;
    hang_after_accept)
      hostile_expect_words "$case" 'no response' "'no response'"
      hostile_expect_words "$case" "$SECONDS_FIGURE" "a figure in seconds"
      ;;
    hang_mid_body) hostile_expect_words "$case" 'no response|stalled' "'no response' or 'stalled'" ;;
    truncated) hostile_expect_words "$case" 'partial|truncated' "'partial' or 'truncated'" ;;
    api_1_12)
      hostile_expect_words "$case" '1\.12' "'1.12'"
      hostile_expect_words "$case" '1\.41' "'1.41'"
      ;;
    api_0_0) hostile_expect_words "$case" '(^|[^0-9.])0\.0([^0-9.]|$)' "'0.0'" ;;
    api_garbage) hostile_expect_words "$case" 'not a version' "'not a version'" ;;
    api_missing) hostile_expect_words "$case" 'API version' "'API version'" ;;
    api_huge_error)
      if ! grep -Eq '(…|\.\.\.)\)$' "$H_ERR"; then
        hostile_fail "$case" "the stderr line does not end with '…)' or '...)' (a cut message)"
      fi
      ;;
    bad_id) hostile_expect_words "$case" 'not a container id' "'not a container id'" ;;
  esac
}

# The engine's log must show that the hostile part was reached; otherwise
# the case tested nothing.
expect_reached() {
  local mode=$1 pattern
  case $mode in
    malformed | huge | hang_mid_body | truncated | api_huge_error | bad_id)
      pattern=$LIST_REQUEST ;;
    # Every inspect carries a hostile State.Error.
    control_names | control_names_utf8) pattern='^request GET /v[^/ ]*/containers/[0-9a-f]{64}/json$' ;;
    api_missing) return 0 ;;  # asking /version or not is whyno-port's choice
    *) pattern='^request GET /_ping$' ;;
  esac
  if ! grep -Eq "$pattern" "$HOSTILE_LOG"; then
    hostile_fail "$mode" "whyno-port never made the request this mode spoils (/$pattern/)"
  fi
  if [[ $mode == bad_id ]] && grep -Eiq 'passwd|abc/def|abc%2f|def\?x' "$HOSTILE_LOG"; then
    hostile_fail "$mode" "whyno-port put a hostile id into a request path:" \
                 "$(grep -Ei 'passwd|abc/def|abc%2f|def\?x' "$HOSTILE_LOG" | head -n 2 | tr '\n' ' ')"
  fi
}

ok_status=
ok_verdict=
for mode in "${MODES[@]}"; do
  log "--- mode $mode"
  hostile_start "$mode" "$DATA"
  for json in 0 1; do
    case=$mode/text
    args=(8080 --no-probe)
    if [[ $json -eq 1 ]]; then
      case=$mode/json
      args+=(--json)
    fi
    before=${#HOSTILE_FAILURES[@]}
    hostile_run "${case//\//-}" "${args[@]}"
    hostile_check_common "$case"
    expect_mode "$mode" "$case" "$json"
    if [[ $json -eq 1 && ($mode == ok || $mode == chunked) ]]; then
      verdict=$(jq -r '[.verdict, .summary] | join(": ")' "$H_OUT" 2>/dev/null || echo "no JSON")
      if [[ $mode == ok ]]; then
        ok_status=$H_STATUS
        ok_verdict=$verdict
      elif [[ -n $ok_status && ($H_STATUS != "$ok_status" || $verdict != "$ok_verdict") ]]; then
        hostile_fail "$case" "differs from ok: exit $H_STATUS '$verdict', ok gave exit" \
                     "$ok_status '$ok_verdict'"
      fi
    fi
    result=ok
    [[ ${#HOSTILE_FAILURES[@]} -eq $before ]] || result=FAIL
    hostile_row "$case" "$result"
  done
  expect_reached "$mode"
  hostile_stop "$mode"
done

hostile_summary || exit 1
