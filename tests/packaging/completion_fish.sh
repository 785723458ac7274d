#!/usr/bin/env bash
# The fish completion loads without a word on stderr and completes options
# and option values. Exit status: 0 pass, 1 fail, 125 skipped (no fish).
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
completion=$top/packaging/completion/whyno-port.fish
fail() { echo "FAIL: $*" >&2; exit 1; }

if ! command -v fish >/dev/null 2>&1; then
  echo "SKIP: completion_fish needs fish (apt-get install fish)"
  exit 125
fi
err=$(mktemp)
trap 'rm -f "$err"' EXIT

# complete LINE: the candidates fish offers for LINE, without descriptions.
complete_line() {
  # shellcheck disable=SC2016 # fish's $argv, not bash's
  fish --no-config -c 'source $argv[1]; complete -C $argv[2]' "$completion" "$1" 2>"$err" |
    cut -f1 | sort | paste -sd ' '
}

fish -n "$completion" || fail "fish -n $completion"
for case in "whyno-port --fr|--from" "whyno-port --color a|always auto" \
            "whyno-port --probe-timeout 30|300ms" "whyno-port --no-p|--no-probe"; do
  line=${case%%|*} want=${case#*|}
  got=$(complete_line "$line")
  [[ $got == "$want" ]] || fail "fish completes '$line' as '$got', expected '$want'"
  [[ ! -s $err ]] || fail "fish printed on stderr completing '$line': $(cat "$err")"
done
echo "ok: fish completion loads and completes options and values"
