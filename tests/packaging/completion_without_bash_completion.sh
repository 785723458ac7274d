#!/usr/bin/env bash
# The bash completion works, silently, in a bash without the bash-completion
# package (no _init_completion, no _filedir): options, option values and file
# names complete and nothing is printed on stderr. Where bash-completion is
# installed, the same answers come with it loaded.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
completion=$top/packaging/completion/whyno-port.bash
bash_completion=/usr/share/bash-completion/bash_completion
fail() { echo "FAIL: $*" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
touch "$work/facts.json"

# complete PRELUDE LINE: COMPREPLY, one a line, for the cursor at the end of
# LINE, in a clean bash (no rc files) after PRELUDE; stderr goes to
# $work/err. A LINE ending in a space completes an empty word.
complete_line() {
  local prelude=$1 line=$2
  # shellcheck disable=SC2016 # expanded by the inner bash
  env -i PATH="$PATH" HOME="$work" bash --norc --noprofile -c '
    eval "$1"
    source "$2"
    COMP_LINE=$3
    COMP_POINT=${#COMP_LINE}
    # bash splits on spaces and on the characters of COMP_WORDBREAKS; the
    # cases below use ":" only.
    read -ra COMP_WORDS <<<"${COMP_LINE//:/ : }"
    if [[ $COMP_LINE == *" " ]]; then COMP_WORDS+=(""); fi
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    _whyno_port
    printf "%s\n" "${COMPREPLY[@]}"
  ' complete "$prelude" "$completion" "$line" 2>"$work/err"
}

# expect PRELUDE LINE WANT: COMPREPLY (sorted, one line) is WANT, stderr empty.
expect() {
  local prelude=$1 line=$2 want=$3 got
  got=$(complete_line "$prelude" "$line" | sort | paste -sd ' ') ||
    fail "completing '$line' failed: $(cat "$work/err")"
  [[ $got == "$want" ]] || fail "completing '$line' (${prelude:-no bash-completion}) gave '$got', expected '$want'"
  [[ ! -s $work/err ]] || fail "completing '$line' printed on stderr: $(cat "$work/err")"
}

for prelude in "" "source $bash_completion"; do
  if [[ -n $prelude && ! -f $bash_completion ]]; then
    echo "note: bash-completion is not installed; checked without it only" >&2
    continue
  fi
  expect "$prelude" "whyno-port --fr" "--from"
  expect "$prelude" "whyno-port --color a" "always auto"
  expect "$prelude" "whyno-port 8080 --save-facts $work/fa" "$work/facts.json"
  # After TARGET: with --from, nothing to offer (the port is the user's).
  expect "$prelude" "whyno-port --from client web:" ""
done
# Without bash-completion the function must not even look for it.
# shellcheck disable=SC2016 # expanded by the inner bash
declare_check=$(env -i PATH="$PATH" bash --norc --noprofile -c \
  'source "$1"; declare -F _init_completion _filedir || true' complete "$completion" 2>&1)
[[ -z $declare_check ]] || fail "sourcing the completion defined or printed: $declare_check"
echo "ok: bash completion without bash-completion: options, values and files, stderr empty"
