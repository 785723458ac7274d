#!/usr/bin/env bash
# The Prometheus side of whyno-port --metrics, with promtool (Debian's
# prometheus package): the example alert rules load and pass their unit
# tests, the sample textfiles pass promtool's lint, and every metric the
# rules use is in the sample (so a rename in one place fails here).
# Exit status: 0 pass, 1 fail, 125 skipped (no promtool).
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
rules=$top/packaging/prometheus/whyno-port.rules.yml
fail() { echo "FAIL: $*" >&2; exit 1; }

promtool=${PROMTOOL:-$(command -v promtool || true)}
if [[ -z $promtool ]]; then
  echo "SKIP: prometheus_rules needs promtool (apt-get install prometheus; ./quickstart test e2e installs it)"
  exit 125
fi

"$promtool" check rules "$rules" || fail "promtool check rules $rules"
# rule_files in the test file is relative to it.
(cd "$(dirname "$rules")" && "$promtool" test rules whyno-port.rules.test.yml) ||
  fail "promtool test rules whyno-port.rules.test.yml"
for sample in "$top"/tests/fixtures/metrics/*.prom; do
  "$promtool" check metrics <"$sample" || fail "promtool check metrics < $sample"
done

sample=$top/tests/fixtures/metrics/sample.prom
while read -r metric; do
  grep -q "^${metric}[{ ]" "$sample" || fail "$metric is used by $rules but not in $sample"
done < <(grep -o 'whyno_port_[a-z_]*' "$rules" | sort -u)
echo "ok: the alert rules check and pass their tests; the sample metrics lint clean"
