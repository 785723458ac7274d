#!/usr/bin/env bash
# Golden output: the full text (colour off) and the full JSON whyno-port
# prints for recorded snapshots, compared byte for byte with the files here.
#
#   tests/golden/check.sh WHYNO_PORT            compare (what CTest runs)
#   tests/golden/check.sh --update WHYNO_PORT   write them again, after an
#                                               intended change; review the
#                                               diff before committing it
#
# Each line of cases.txt names a snapshot of tests/fixtures/snapshots, and
# optionally options for it (e.g. `NAME --explain`); its outputs are
# <name>.txt and <name>.json here, or <name><options, spaces dropped>.txt
# (NAME--explain.txt) for a line with options. The environment is fixed
# (UTF-8, no colour, 80 columns) so the output depends on the facts alone.
set -euo pipefail

update=0
if [[ ${1:-} == --update ]]; then
  update=1
  shift
fi
whyno_port=${1:?usage: tests/golden/check.sh [--update] WHYNO_PORT}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
snapshots=$here/../fixtures/snapshots
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

export LC_ALL=C.UTF-8 COLUMNS=80 NO_COLOR=1
unset TERM
failed=0
while read -r snapshot_name options; do
  [[ -z $snapshot_name || $snapshot_name == \#* ]] && continue
  snapshot=$snapshots/$snapshot_name.json
  [[ -f $snapshot ]] || { echo "golden: no snapshot $snapshot" >&2; exit 2; }
  read -r -a extra <<<"${options:-}"
  name=$snapshot_name${options// /}
  for format in txt json; do
    args=(--replay "$snapshot" --color never "${extra[@]}")
    [[ $format == json ]] && args+=(--json)
    status=0
    "$whyno_port" "${args[@]}" >"$scratch/$name.$format" 2>&1 || status=$?
    echo "exit status $status" >>"$scratch/$name.$format"
    if [[ $update -eq 1 ]]; then
      cp "$scratch/$name.$format" "$here/$name.$format"
    elif ! diff -u "$here/$name.$format" "$scratch/$name.$format"; then
      echo "golden: $name.$format differs (tests/golden/check.sh --update $whyno_port" \
           "regenerates it after an intended change)" >&2
      failed=1
    fi
  done
done <"$here/cases.txt"
if [[ $update -eq 1 ]]; then
  echo "golden: outputs written to $here; review them with git diff"
fi
exit "$failed"
