#include "namespaces_of_no_engine.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "kubernetes_node.hpp"
#include "scoped_reads.hpp"
#include "whyno/core/plan/involved.hpp"
#include "whyno/util/printable.hpp"

namespace whyno::gather {

namespace {

std::unexpected<ReadFailure> read_failure(ReadFailure::Kind kind, std::string message) {
  return std::unexpected(ReadFailure{kind, std::move(message)});
}

/// An address a namespace's packets may leave with: not loopback, not
/// IPv6 link-local.
bool is_own_address(const IpAddress& a) {
  static const IpAddress k_link_local = *IpAddress::parse("fe80::");
  return !a.is_loopback() && !a.in_prefix(k_link_local, 10);
}

/// A namespace of no engine, as a container built from what the kernel
/// shows of it, so the paths can be walked to it.
Container namespace_container(std::uint64_t inode, const std::string& label, int pid,
                              const NetnsFacts& facts) {
  Container c;
  c.kind = Container::Kind::namespace_only;
  c.id = fmt::format("netns-{}", inode);
  c.name = label;
  c.state.status = "running";
  c.state.running = true;
  c.state.pid = pid;
  c.network_mode = "namespace";
  for (const Interface& i : facts.interfaces) {
    const InterfaceAddress* v4 = nullptr;
    const InterfaceAddress* v6 = nullptr;
    for (const InterfaceAddress& a : i.addresses) {
      if (!is_own_address(a.address)) {
        continue;
      }
      const InterfaceAddress*& first = a.address.is_v4() ? v4 : v6;
      first = first == nullptr ? &a : first;
    }
    if (v4 == nullptr && v6 == nullptr) {
      continue;
    }
    ContainerNetwork& n = c.networks.emplace_back();
    n.name = i.name;
    if (v4 != nullptr) {
      n.ipv4 = v4->address;
      n.ipv4_prefix_len = v4->prefix_len;
    }
    if (v6 != nullptr) {
      n.ipv6 = v6->address;
    }
  }
  return c;
}

/// Reads at most this many namespaces looking for an address: a host with
/// thousands of pods is searched in bounded time.
constexpr std::size_t k_max_namespaces_searched = 512;

}  // namespace

std::optional<IpAddress> namespace_address(const NetnsFacts& ns) {
  std::optional<IpAddress> v6;
  for (const Interface& i : ns.interfaces) {
    for (const InterfaceAddress& a : i.addresses) {
      if (!is_own_address(a.address)) {
        continue;
      }
      if (a.address.is_v4()) {
        return a.address;
      }
      v6 = v6 ? v6 : a.address;
    }
  }
  return v6;
}

/// Where the packet goes and no engine's container is: the namespace that
/// holds the address, found among every namespace of the host (ip netns,
/// containerd, Kubernetes, LXC), joins the facts as a container of no engine.
void find_namespaces_by_packet(const Query& query, const Sources& sources, Facts& facts,
                               const ListenerScope& scope) {
  std::vector<IpAddress> wanted =
      addresses_no_container_holds(query, *facts.engine, facts.ruleset, facts.host);
  if (wanted.empty()) {
    return;
  }
  std::set<std::uint64_t> known{facts.host.inode};
  for (const auto& [id, ns] : facts.container_netns) {
    known.insert(ns.inode);
  }
  std::size_t searched = 0;
  PodNames pods(sources);
  for (const kernel::NamespaceCandidate& candidate : sources.namespaces.list_namespaces()) {
    if (wanted.empty() || searched == k_max_namespaces_searched) {
      break;
    }
    // A user's namespace may hold any address it likes (unshare -rn, a veth
    // of its own): the host's packets reach root's namespaces only, so only
    // those are believed to be where a DNAT leads.
    if (known.contains(candidate.inode) || candidate.uid != 0) {
      continue;
    }
    auto handle = sources.namespaces.open_path(candidate.path);
    if (!handle || handle->inode != candidate.inode) {
      continue;  // gone, or the process moved on
    }
    ++searched;
    // Only the query's ports: hundreds of namespaces may be looked through.
    auto read = sources.namespaces.read(*handle, scope);
    if (!read) {
      continue;
    }
    const auto holds = [&](const IpAddress& a) { return has_interface_address(*read, a); };
    if (std::none_of(wanted.begin(), wanted.end(), holds)) {
      continue;
    }
    std::erase_if(wanted, holds);
    if (needs_every_port(*read, scope)) {
      if (auto wide = sources.namespaces.read(*handle, widened(scope))) {
        read = std::move(wide);
      }
    }
    Container c = namespace_container(handle->inode, candidate.label, candidate.pid, *read);
    c.engine_uid = candidate.uid;
    c.pod = pods.pod_of(candidate.containerd_id);
    if (c.pod.known()) {
      c.name = c.pod.qualified();
    }
    facts.container_netns.emplace(c.id, std::move(*read));
    facts.engine->containers.push_back(std::move(c));
  }
}

std::optional<ClientNamespace> find_client_namespace(const Query& query, const Sources& sources,
                                                     std::uint64_t host_inode) {
  if (!query.from_remote() || !query.from->ip) {
    return std::nullopt;
  }
  const IpAddress& client = *query.from->ip;
  std::size_t searched = 0;
  for (const kernel::NamespaceCandidate& candidate : sources.namespaces.list_namespaces()) {
    if (searched == k_max_namespaces_searched) {
      break;
    }
    // As for a DNAT's destination: only root's namespaces are believed.
    if (candidate.inode == host_inode || candidate.uid != 0) {
      continue;
    }
    auto handle = sources.namespaces.open_path(candidate.path);
    if (!handle || handle->inode != candidate.inode) {
      continue;
    }
    ++searched;
    // Its interfaces are what is asked; no socket is.
    auto read = sources.namespaces.read(*handle, interfaces_only(query));
    if (read && has_interface_address(*read, client)) {
      return ClientNamespace{candidate.path, candidate.inode, candidate.label};
    }
  }
  return std::nullopt;
}

/// --pid/--netns: the namespace stands for a container of no engine, built
/// from what the kernel shows of it, so the paths can be walked to it.
std::expected<Engine, ReadFailure> engine_of_namespace(const NamespaceChoice& choice, const Sources& sources,
                                                       std::uint64_t host_inode, const ListenerScope& scope,
                                                       std::map<std::string, NetnsFacts>& namespaces) {
  auto handle = sources.namespaces.open_path(choice.path);
  if (!handle) {
    // A path that is not a namespace, or a process that does not exist, is
    // the user's input; a namespace we may not open is ours to report.
    const Error::Kind kind = handle.error().kind;
    const bool not_one = kind == Error::Kind::not_found || kind == Error::Kind::invalid;
    return read_failure(not_one ? ReadFailure::Kind::usage : ReadFailure::Kind::cannot_inspect,
                        excerpt(handle.error().message, 200));
  }
  if (handle->inode == host_inode) {
    return read_failure(ReadFailure::Kind::usage,
                        fmt::format("{} is this host's own network namespace; leave out --pid/--netns to "
                                    "diagnose the host",
                                    excerpt(choice.label, 80)));
  }
  auto facts = read_namespace(sources.namespaces, *handle, scope);
  if (!facts) {
    return read_failure(ReadFailure::Kind::cannot_inspect, excerpt(facts.error().message, 200));
  }
  Container c = namespace_container(handle->inode, choice.label, choice.pid, *facts);
  // A pod's namespace (/run/netns/cni-...) is named as kubectl names the pod.
  if (PodNames pods(sources); pods.any()) {
    for (const kernel::NamespaceCandidate& candidate : sources.namespaces.list_namespaces()) {
      if (candidate.inode == handle->inode && candidate.uid == 0 && !candidate.containerd_id.empty()) {
        c.pod = pods.pod_of(candidate.containerd_id);
        c.name = c.pod.known() ? c.pod.qualified() : c.name;
        break;
      }
    }
  }
  Engine engine;
  engine.product = "none";
  engine.socket = choice.path;
  namespaces.emplace(c.id, std::move(*facts));
  engine.containers.push_back(std::move(c));
  return engine;
}

}  // namespace whyno::gather
