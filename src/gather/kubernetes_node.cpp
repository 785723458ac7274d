#include "kubernetes_node.hpp"

#include <algorithm>

#include "namespaces_of_no_engine.hpp"
#include "scoped_reads.hpp"

namespace whyno::gather {

bool runs_kubernetes(const nf::Ruleset& rules) {
  return std::any_of(rules.chains.begin(), rules.chains.end(), [](const nf::Chain& c) {
    return c.name == "KUBE-SERVICES" || c.name == "CNI-HOSTPORT-DNAT" || c.table == "kube-proxy" ||
           c.table == "cni_hostport";
  });
}

const std::vector<engine::ContainerdContainer>& PodNames::containers() {
  if (!m_containers) {
    // Unreadable metadata leaves the namespace named as the kernel shows it.
    auto read = m_sources.read_containerd_pods ? m_sources.read_containerd_pods()
                                               : Result<std::vector<engine::ContainerdContainer>>{};
    m_containers = read ? std::move(*read) : std::vector<engine::ContainerdContainer>{};
  }
  return *m_containers;
}

Pod PodNames::pod_of(const std::string& id) {
  if (id.empty()) {
    return {};
  }
  containers();
  const auto self = std::find_if(m_containers->begin(), m_containers->end(),
                                 [&](const engine::ContainerdContainer& c) { return c.id == id; });
  if (self == m_containers->end()) {
    return {};
  }
  Pod pod{self->pod_namespace, self->pod_name, self->pod_uid, {}};
  for (const engine::ContainerdContainer& c : *m_containers) {
    const bool same_pod = c.containerd_namespace == self->containerd_namespace &&
                          (pod.uid.empty() ? c.pod_namespace == pod.namespace_name && c.pod_name == pod.name
                                           : c.pod_uid == pod.uid);
    if (same_pod && !c.sandbox && !c.container_name.empty()) {
      pod.containers.push_back({c.container_name, c.id, c.running});
    }
  }
  std::sort(pod.containers.begin(), pod.containers.end(),
            [](const PodContainer& a, const PodContainer& b) { return a.name < b.name; });
  return pod;
}

namespace {

/// "ns/pod": two Kubernetes names (RFC 1123) joined by one '/'.
bool is_pod_name(std::string_view text) {
  const auto slash = text.find('/');
  const auto name_ok = [](std::string_view n) {
    return !n.empty() && n.size() <= 253 &&
           n.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-.") == std::string_view::npos;
  };
  return slash != std::string_view::npos && name_ok(text.substr(0, slash)) && name_ok(text.substr(slash + 1));
}

}  // namespace

std::expected<void, ReadFailure> resolve_pod_client(Query& query, const Sources& sources) {
  if (!query.from || !query.from->is_container() || !is_pod_name(query.from->text)) {
    return {};
  }
  const std::string& wanted = query.from->text;
  PodNames pods(sources);
  if (!pods.any()) {
    return {};  // no pod here: PROJECT/SERVICE of Compose, without a look through /proc
  }
  for (const kernel::NamespaceCandidate& candidate : sources.namespaces.list_namespaces()) {
    // As for a DNAT's destination: only root's namespaces are believed.
    if (candidate.uid != 0 || candidate.containerd_id.empty() ||
        pods.pod_of(candidate.containerd_id).qualified() != wanted) {
      continue;
    }
    auto handle = sources.namespaces.open_path(candidate.path);
    if (!handle || handle->inode != candidate.inode) {
      continue;
    }
    const auto read = sources.namespaces.read(*handle, interfaces_only(query));
    if (!read) {
      continue;
    }
    if (const auto address = namespace_address(*read)) {
      query.from->kind = Client::Kind::remote;
      query.from->ip = *address;
      return {};
    }
  }
  // Not a pod here: PROJECT/SERVICE of Compose, looked up as a container.
  return {};
}

}  // namespace whyno::gather
