#!/usr/bin/env bash
# The Ansible example, packaging/ansible/whyno-port-report.yml, run for real
# with ansible-playbook -c local against stub whyno-ports (no root, no
# dockerd): one host whose ports are broken (exit 1) gives a merged report
# with its JSON object as printed and the counts; then a five-host inventory
# with a broken host, an inconclusive one, and three that fail (an error
# sentence on stderr as today, the JSON error object of later versions, no
# binary at all): the report holds them all and the play fails.
source "$(dirname "$0")/lib.sh"

if ! command -v ansible-playbook >/dev/null 2>&1; then
  echo "SKIP: $TEST_NAME: needs ansible-playbook (apt-get install ansible-core; ./quickstart test e2e installs it)"
  exit 125
fi
playbook=$REPO_DIR/packaging/ansible/whyno-port-report.yml
fixture=$REPO_DIR/tests/fixtures/ansible/all-broken.json

# Ansible's files stay in T_DIR, and no ansible.cfg of the host applies.
export ANSIBLE_HOME=$T_DIR/ansible ANSIBLE_LOCAL_TEMP=$T_DIR/ansible/tmp \
       ANSIBLE_REMOTE_TMP=$T_DIR/ansible/remote ANSIBLE_CONFIG=$T_DIR/ansible.cfg \
       ANSIBLE_NOCOLOR=1 ANSIBLE_PYTHON_INTERPRETER=/usr/bin/python3
: >"$ANSIBLE_CONFIG"

# stub NAME STATUS [SCRIPT]: a fake whyno-port that records its arguments
# in T_DIR/NAME.args, runs SCRIPT (sh) and exits STATUS.
stub() {
  local path=$T_DIR/$1
  printf '#!/bin/sh\necho "$*" > %q\n%s\nexit %d\n' "$path.args" "${3:-}" "$2" >"$path"
  chmod +x "$path"
  echo "$path"
}

# expect_report FILE FILTER [jq options...]: FILTER on the report is true.
expect_report() {
  local file=$1 filter=$2 result
  shift 2
  result=$(jq -c "$@" "$filter" "$file" 2>&1) || fail "jq '$filter' on $file: $result"
  [[ $result == true ]] || fail "expected true from jq '$filter' on the report, got $result:"$'\n'"$(cat "$file")"
}

run_playbook() {  # run_playbook DIR ARGS...: in DIR; sets STATUS, output in DIR/ansible.log
  local dir=$1
  shift
  STATUS=0
  (cd "$dir" && timeout 300 ansible-playbook "$@" "$playbook") >"$dir/ansible.log" 2>&1 || STATUS=$?
  log "ansible-playbook $*: exit $STATUS"
}

log "case: -i localhost, -c local; a broken port (exit 1) is a result, not a failure"
broken=$(stub broken 1 "cat $(printf %q "$fixture")")
mkdir "$T_DIR/one"
run_playbook "$T_DIR/one" -i 'localhost,' -c local -e ansible_become=false -e "whyno_port_binary=$broken" \
  -e '{"whyno_port_extra_args": ["--project", "shop"]}'
[[ $STATUS -eq 0 ]] || { cat "$T_DIR/one/ansible.log"; fail "ansible-playbook exited $STATUS, expected 0"; }
report=$T_DIR/one/whyno-port-report.json  # the default, relative to the run's directory
[[ -f $report ]] || fail "no report at the default ./whyno-port-report.json"
[[ $(stat -c %a "$report") == 644 ]] || fail "the report's mode is $(stat -c %a "$report"), not 644"
[[ $(<"$T_DIR/broken.args") == "--all --json --project shop" ]] || fail "whyno-port was run with '$(<"$T_DIR/broken.args")'"
expect_report "$report" '.hosts | keys == ["localhost"]'
expect_report "$report" '.hosts.localhost == $f[0]' --slurpfile f "$fixture"
expect_report "$report" '.summary == {hosts: {total: 1, ok: 0, broken: 1, inconclusive: 0, failed: 0},
  ports: {total: 3, published: 2, broken: 1, inconclusive: 0, unpublished: 1}}'

log "case: five hosts; three fail, are recorded with their error, and fail the play"
inconclusive=$(stub inconclusive 4 \
  "jq '.verdict = \"inconclusive\" | .counts.broken = 0 | .counts.inconclusive = 1' $(printf %q "$fixture")")
text_error=$(stub text-error 3 'echo "whyno-port: no engine answers at /var/run/docker.sock" >&2')
json_error=$(stub json-error 3 \
  'echo "{\"schema\": 1, \"error\": {\"message\": \"no engine answers\", \"exit_status\": 3}}"
   echo "whyno-port: no engine answers" >&2')
cat >"$T_DIR/inventory.yml" <<INVENTORY
all:
  vars: {ansible_connection: local, ansible_become: false}
  hosts:
    node1: {whyno_port_binary: $broken}
    node2: {whyno_port_binary: $inconclusive}
    node3: {whyno_port_binary: $text_error}
    node4: {whyno_port_binary: $json_error}
    node5: {whyno_port_binary: $T_DIR/not-installed/whyno-port}
INVENTORY
mkdir "$T_DIR/five"
report=$T_DIR/five/report.json
run_playbook "$T_DIR/five" -i "$T_DIR/inventory.yml" -e "whyno_port_report=$report"
[[ $STATUS -eq 2 ]] || { cat "$T_DIR/five/ansible.log"; fail "ansible-playbook exited $STATUS, expected 2 (failed hosts)"; }
grep -Eq '^node3 .* failed=1 ' "$T_DIR/five/ansible.log" || fail "node3 is not failed in the recap"
grep -Eq '^node1 .* failed=0 ' "$T_DIR/five/ansible.log" || fail "node1 (broken ports) is failed in the recap"
expect_report "$report" '.hosts | keys == ["node1", "node2", "node3", "node4", "node5"]'
expect_report "$report" '.hosts.node1 == $f[0]' --slurpfile f "$fixture"
expect_report "$report" '.hosts.node2.verdict == "inconclusive"'
expect_report "$report" '.hosts.node3 == {error: {message: "whyno-port: no engine answers at /var/run/docker.sock", exit_status: 3}}'
expect_report "$report" '.hosts.node4 == {schema: 1, error: {message: "no engine answers", exit_status: 3}}'
expect_report "$report" '.hosts.node5.error.message | test("No such file")'
expect_report "$report" '.summary == {hosts: {total: 5, ok: 0, broken: 1, inconclusive: 1, failed: 3},
  ports: {total: 6, published: 4, broken: 1, inconclusive: 1, unpublished: 2}}'
