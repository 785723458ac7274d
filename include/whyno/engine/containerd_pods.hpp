#pragma once
// What containerd keeps of its containers that names a Kubernetes pod: the
// kubelet's labels, in containerd's metadata database
// (/var/lib/containerd/io.containerd.metadata.v1.bolt/meta.db, a BoltDB read
// through boltdb.hpp), and whether each still has a task. Layout (containerd
// 1.6, metadata/buckets.go): v1 / <namespace> / containers / <id> / labels /
// <key> = <value>. A task lives while its shim's bundle does:
// <state>/io.containerd.runtime.v2.task/<namespace>/<id>/init.pid.
// The kubelet (through the CRI plugin) labels both the pod's sandbox
// (io.cri-containerd.kind=sandbox) and its app containers
// (io.cri-containerd.kind=container, io.kubernetes.container.name) with
// io.kubernetes.pod.name, .pod.namespace and .pod.uid.

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "whyno/util/result.hpp"

namespace whyno::engine {

struct ContainerdContainer {
  std::string containerd_namespace;  // "k8s.io"
  std::string id;
  std::string pod_namespace;   // io.kubernetes.pod.namespace
  std::string pod_name;        // io.kubernetes.pod.name
  std::string pod_uid;         // io.kubernetes.pod.uid
  std::string container_name;  // io.kubernetes.container.name ("" for the sandbox)
  bool sandbox = false;        // io.cri-containerd.kind=sandbox
  /// Its task's init process lives (read_containerd_pods; the parser leaves
  /// it false): the kubelet's runtime deletes the task of a container that
  /// exited and keeps the container.
  bool running = false;
};

/// Containers kept of one database: far more than a node runs (the kubelet's
/// default is 110 pods), so a hostile or broken file stops here.
inline constexpr std::size_t k_max_containerd_containers = 16384;

/// The containers of every containerd namespace that carry the kubelet's pod
/// labels; the others are left out. Fails on a file that is not a BoltDB, has
/// no "v1" bucket, or whose buckets share pages (a hostile file).
Result<std::vector<ContainerdContainer>> parse_containerd_meta(std::span<const std::byte> file);

/// The pod containers of the containerd whose root is under `host_root`
/// ("" for /): its metadata (/var/lib/containerd/...) parsed, each one's task
/// checked (/run/containerd/io.containerd.runtime.v2.task/<ns>/<id>/init.pid,
/// a process of /proc whose cgroup names the container). Both trees are
/// root's (sys::read_owned_file). not_found when containerd keeps no
/// metadata there.
Result<std::vector<ContainerdContainer>> read_containerd_pods(const std::string& host_root);

}  // namespace whyno::engine
