#!/usr/bin/env bash
# packaging/kubernetes/whyno-port-node.yaml is what its comment says: a
# DaemonSet on the node's network and PID namespaces, the node's / read-only
# at /host (pods started later seen), root with exactly the capabilities the
# man page's PRIVILEGES names, and a command that keeps it up for kubectl exec.
# A missing PyYAML is a skip (125) with the reason.
set -euo pipefail
manifest=$(dirname "$0")/../../packaging/kubernetes/whyno-port-node.yaml
if ! python3 -c 'import yaml' 2>/dev/null; then
  echo "SKIP: kubernetes_manifest needs python3's yaml module (python3-yaml)"
  exit 125
fi
python3 - "$manifest" <<'PY'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
kinds = [d["kind"] for d in docs]
assert kinds == ["Namespace", "DaemonSet"], kinds
spec = docs[1]["spec"]["template"]["spec"]
assert spec["hostNetwork"] is True and spec["hostPID"] is True, "host network and PID namespaces"
(c,) = spec["containers"]
sc = c["securityContext"]
assert sc["runAsUser"] == 0 and sc["readOnlyRootFilesystem"] is True
assert sc["capabilities"]["drop"] == ["ALL"]
assert sorted(sc["capabilities"]["add"]) == ["DAC_READ_SEARCH", "NET_ADMIN", "SYS_ADMIN", "SYS_PTRACE"]
(m,) = c["volumeMounts"]
assert m["mountPath"] == "/host" and m["readOnly"] is True and m["mountPropagation"] == "HostToContainer"
(v,) = spec["volumes"]
assert v["name"] == m["name"] and v["hostPath"]["path"] == "/"
assert c["command"] == ["sleep", "infinity"]
print("kubernetes manifest: ok")
PY
