#pragma once
// What a Kubernetes node adds, read without an API server: whether this is
// one (kube-proxy's or a CNI plugin's rules), and its pods' names. A
// namespace the packet reaches that holds a containerd container is named
// as kubectl names its pod, from the kubelet's labels in containerd's
// metadata; the metadata is read once, and only when such a namespace is
// met.

#include <optional>
#include <string>
#include <vector>

#include "whyno/gather/gather.hpp"
#include "whyno/model/engine_facts.hpp"

namespace whyno::gather {

/// Whether `rules` are a Kubernetes node's: kube-proxy's chains or table, or
/// CNI portmap's.
bool runs_kubernetes(const nf::Ruleset& rules);

class PodNames {
 public:
  explicit PodNames(const Sources& sources) : m_sources(sources) {}

  /// The pod containerd container `id` is part of (its sandbox or an app
  /// container), with every app container of it; an unknown Pod when it is
  /// none, or the metadata could not be read.
  Pod pod_of(const std::string& id);

  /// Whether containerd's metadata names any pod: when not, no namespace
  /// needs looking through for one.
  bool any() { return !containers().empty(); }

 private:
  const std::vector<engine::ContainerdContainer>& containers();

  const Sources& m_sources;
  std::optional<std::vector<engine::ContainerdContainer>> m_containers;
};

}  // namespace whyno::gather
