#include "whyno/engine/containerd_pods.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <string_view>

#include <fmt/format.h>

#include "boltdb.hpp"
#include "whyno/sys/fd.hpp"
#include "whyno/sys/owned_file.hpp"

namespace whyno::engine {

namespace {

/// Label values kept: Kubernetes names are at most 253 characters.
constexpr std::size_t k_max_label_value = 253;

/// A label's value when it is a Kubernetes name (RFC 1123: lower-case
/// letters, digits, '-' and '.'; a uid is hex and '-'), else "": the names
/// are printed and put in kubectl commands.
std::string label_value(const BoltView& db, const BoltView::Bucket& labels, std::string_view key) {
  const auto v = db.value(labels, key);
  if (!v || v->empty() || v->size() > k_max_label_value ||
      v->find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-.") != std::string_view::npos) {
    return {};
  }
  return std::string(*v);
}

/// The buckets under `in`, with their keys.
Result<std::vector<std::pair<std::string, BoltView::Bucket>>> sub_buckets(const BoltView& db,
                                                                          const BoltView::Bucket& in) {
  std::vector<std::pair<std::string, BoltView::Bucket>> out;
  WHYNO_TRY(db.for_each(in, [&](const BoltView::Entry& e) {
    if (const auto b = db.as_bucket(e); b && out.size() < k_max_containerd_containers) {
      out.emplace_back(std::string(e.key), *b);
    }
  }));
  return out;
}

}  // namespace

Result<std::vector<ContainerdContainer>> parse_containerd_meta(std::span<const std::byte> file) {
  WHYNO_TRY_ASSIGN(const BoltView db, BoltView::open(file));
  const auto v1 = db.bucket(db.root(), "v1");
  if (!v1) {
    return fail(Error::Kind::invalid, "containerd's metadata has no v1 bucket");
  }
  WHYNO_TRY_ASSIGN(const auto namespaces, sub_buckets(db, *v1));
  std::vector<ContainerdContainer> out;
  for (const auto& [ns_name, ns] : namespaces) {
    const auto containers = db.bucket(ns, "containers");
    if (!containers) {
      continue;
    }
    WHYNO_TRY_ASSIGN(const auto each, sub_buckets(db, *containers));
    for (const auto& [id, bucket] : each) {
      if (out.size() == k_max_containerd_containers || db.budget_spent()) {
        break;
      }
      const auto labels = db.bucket(bucket, "labels");
      if (!labels) {
        continue;
      }
      ContainerdContainer c;
      c.containerd_namespace = ns_name;
      c.id = id;
      c.pod_name = label_value(db, *labels, "io.kubernetes.pod.name");
      c.pod_namespace = label_value(db, *labels, "io.kubernetes.pod.namespace");
      if (c.pod_name.empty() || c.pod_namespace.empty()) {
        continue;
      }
      c.pod_uid = label_value(db, *labels, "io.kubernetes.pod.uid");
      c.container_name = label_value(db, *labels, "io.kubernetes.container.name");
      c.sandbox = db.value(*labels, "io.cri-containerd.kind") == std::optional<std::string_view>("sandbox");
      out.push_back(std::move(c));
    }
  }
  if (db.budget_spent()) {
    return fail(Error::Kind::invalid,
                "its buckets share their pages, so reading them would cost many times the file; no bbolt "
                "database does that");
  }
  return out;
}

namespace {

/// A node's metadata is a few MiB; a larger file is not read.
constexpr std::size_t k_max_meta_bytes = std::size_t{256} << 20;

/// Whether the task of container `c` has a live init process: its pid file
/// names a process whose cgroup is the container's. A stopped task keeps the
/// file of a process that is gone (or whose pid was reused by another).
bool task_running(const std::string& state_dir, const ContainerdContainer& c) {
  const auto pid_text = sys::read_owned_file(
      fmt::format("{}/io.containerd.runtime.v2.task/{}/{}/init.pid", state_dir, c.containerd_namespace, c.id),
      sys::FileOwner{0}, 32);
  int pid = 0;
  if (!pid_text ||
      std::from_chars(pid_text->data(), pid_text->data() + pid_text->size(), pid).ec != std::errc() ||
      pid <= 0) {
    return false;
  }
  // The kernel's file, whoever the process runs as.
  const sys::Fd fd(::open(fmt::format("/proc/{}/cgroup", pid).c_str(), O_RDONLY | O_CLOEXEC));
  std::string cgroup(4096, '\0');
  const ssize_t n = fd ? ::read(fd.get(), cgroup.data(), cgroup.size()) : -1;
  cgroup.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return cgroup.find(c.id) != std::string::npos;
}

}  // namespace

Result<std::vector<ContainerdContainer>> read_containerd_pods(const std::string& host_root) {
  const std::string meta = host_root + "/var/lib/containerd/io.containerd.metadata.v1.bolt/meta.db";
  WHYNO_TRY_ASSIGN(const std::string bytes, sys::read_owned_file(meta, sys::FileOwner{0}, k_max_meta_bytes));
  auto pods = parse_containerd_meta(std::as_bytes(std::span(bytes.data(), bytes.size())));
  if (!pods) {
    return fail(pods.error().kind, fmt::format("{}: {}", meta, pods.error().message));
  }
  const std::string state_dir = host_root + "/run/containerd";
  for (ContainerdContainer& c : *pods) {
    c.running = task_running(state_dir, c);
  }
  return pods;
}

}  // namespace whyno::engine
