#include "kubernetes_node.hpp"

#include <algorithm>

namespace whyno::gather {

bool runs_kubernetes(const nf::Ruleset& rules) {
  return std::any_of(rules.chains.begin(), rules.chains.end(), [](const nf::Chain& c) {
    return c.name == "KUBE-SERVICES" || c.name == "CNI-HOSTPORT-DNAT" || c.table == "kube-proxy" ||
           c.table == "cni_hostport";
  });
}

Pod PodNames::pod_of(const std::string& id) {
  if (id.empty()) {
    return {};
  }
  if (!m_containers) {
    // Unreadable metadata leaves the namespace named as the kernel shows it.
    auto read = m_sources.read_containerd_pods ? m_sources.read_containerd_pods()
                                               : Result<std::vector<engine::ContainerdContainer>>{};
    m_containers = read ? std::move(*read) : std::vector<engine::ContainerdContainer>{};
  }
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

}  // namespace whyno::gather
