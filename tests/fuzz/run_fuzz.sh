#!/usr/bin/env bash
# run_fuzz.sh FUZZER NAME WORK SECONDS [LIBFUZZER_ARGS...]
#
# Runs the libFuzzer binary FUZZER (fuzz_NAME) for SECONDS seconds:
#   1. WORK/corpus is made afresh from the fixtures (make_seeds.sh), unless
#      WHYNO_FUZZ_KEEP_CORPUS=1 keeps the corpus a previous run grew;
#   2. every tests/fuzz/crashes/NAME-* file runs once first, as a regression
#      input, then joins the corpus (one that fails stays out and fails the
#      run, after the fuzzing);
#   3. the fuzzing run; crashes, leaks, timeouts and out-of-memory inputs are
#      written to WORK/artifacts/.
# Exits non-zero on any crash, sanitizer report, leak, timeout or OOM.
#
# The fuzzer runs with address-space randomisation off (setarch -R): with a
# fixed -seed and -runs, as the smoke tests pass them, a run then makes the
# same inputs on every machine, so a commit's smoke passes or fails alike in
# CI and here. (With ASLR on, two runs of one seed part ways within a few
# thousand inputs: comparisons the fuzzer traces involve addresses.)
set -euo pipefail

fuzzer=$1
name=$2
work=$3
seconds=$4
shift 4
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if [ "${WHYNO_FUZZ_KEEP_CORPUS:-0}" != 1 ]; then
  rm -rf "$work"
fi
mkdir -p "$work/corpus" "$work/artifacts"
bash "$here/make_seeds.sh" "$name" "$here/../fixtures" "$work/corpus"

# The symbolizer ASan finds by itself may not be the one that works.
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ]; then
  for s in llvm-symbolizer-19 /usr/lib/llvm-19/bin/llvm-symbolizer llvm-symbolizer; do
    if command -v "$s" > /dev/null; then
      export ASAN_SYMBOLIZER_PATH=$(command -v "$s")
      break
    fi
  done
fi
# halt_on_error: a UBSan report in code built with recovery still fails.
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export ASAN_OPTIONS="detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
if [ -f "$here/lsan.supp" ]; then
  export LSAN_OPTIONS="suppressions=$here/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
fi

options=(-rss_limit_mb=2048 -timeout=10 -print_final_stats=1 -artifact_prefix="$work/artifacts/")
if [ -f "$here/$name.dict" ]; then
  options+=(-dict="$here/$name.dict")
fi

# Each regression input on its own, so the report names the one that fails;
# a failing one stays out of the corpus (it would stop the fuzzing at once)
# and fails the run at the end.
failed_regressions=0
for f in "$here/crashes/$name"-*; do
  if [ ! -f "$f" ]; then
    continue
  fi
  if "$fuzzer" "${options[@]}" "$f" > "$work/regression.log" 2>&1; then
    echo "run_fuzz.sh: regression input ${f#"$here"/} passes"
    cp "$f" "$work/corpus/"
  else
    echo "run_fuzz.sh: REGRESSION INPUT ${f#"$here"/} FAILS:"
    grep -vE '^(INFO|Running|Executed| *\*\*\*)' "$work/regression.log" | head -40
    failed_regressions=$((failed_regressions + 1))
  fi
done

echo "run_fuzz.sh: fuzz_$name for ${seconds}s on $work/corpus ($(ls "$work/corpus" | wc -l) inputs)"
# libnftnl prints two lines for every attribute it calls ABI breakage
# (nftnl_exit_guard.cpp turns those into failed parses); hundreds of
# thousands of them would bury libFuzzer's own output.
same_addresses=()
if setarch "$(uname -m)" -R true 2>/dev/null; then
  same_addresses=(setarch "$(uname -m)" -R)
fi
set +e
"${same_addresses[@]}" "$fuzzer" "${options[@]}" -max_total_time="$seconds" "$@" "$work/corpus" 2>&1 |
  grep --line-buffered -vE '^(nf_tables kernel ABI is broken, contact your vendor\.|[a-z_/]+\.c:[0-9]+ reason: .*)$'
status=${PIPESTATUS[0]}
set -e
if [ "$failed_regressions" -gt 0 ]; then
  echo "run_fuzz.sh: $failed_regressions regression input(s) of tests/fuzz/crashes/ fail"
  exit 1
fi
exit "$status"
