#include "owner_search.hpp"

#include <algorithm>

#include "whyno/core/plan/container_lookup.hpp"
#include "whyno/model/listeners.hpp"

namespace whyno::gather {

kernel::OwnerSearch host_port_search(const Query& query, const NetnsFacts& host, const Engine& listed) {
  kernel::OwnerSearch search;
  for (const Listener& l : host.listeners) {
    if (l.inode != 0 && (query.port == 0 || l.port == query.port)) {
      search.needed.insert(l.inode);
    }
  }
  if (query.port == 0) {
    return search;
  }
  search.forwarded_ports.insert(query.port);
  for (const Container& c : listed.containers) {
    const bool publishes = std::any_of(c.actual.begin(), c.actual.end(),
                                       [&](const PortBinding& b) { return b.host_port == query.port; });
    if (publishes && c.state.running && c.state.pid > 0) {
      search.near_pids.push_back(c.state.pid);
    }
  }
  return search;
}

kernel::OwnerSearch container_search(const Facts& facts,
                                     const std::vector<const Container*>& on_host_network) {
  kernel::OwnerSearch search;
  for (const Container& c : facts.engine->containers) {
    // A container read, or one sharing a namespace read (a pod's members).
    const Container* owner = network_owner(*facts.engine, c);
    const std::string& id = owner != nullptr ? owner->id : c.id;
    if (c.state.pid > 0 && facts.container_netns.contains(id)) {
      search.first.push_back(c.state.pid);
    }
  }
  for (const auto& [id, ns] : facts.container_netns) {
    for (const Listener& l : ns.listeners) {
      if (l.inode != 0) {
        (is_embedded_dns(l) ? search.if_held_by_first : search.needed).insert(l.inode);
      }
    }
  }
  bool host_network_processes = false;
  for (const Container* c : on_host_network) {
    if (c->state.pid > 0) {
      search.first.push_back(c->state.pid);
      host_network_processes = true;
    }
  }
  if (host_network_processes) {
    for (const Listener& l : facts.host.listeners) {
      if (l.inode != 0 && l.owners.empty()) {
        search.if_held_by_first.insert(l.inode);
      }
    }
  }
  std::sort(search.first.begin(), search.first.end());
  search.first.erase(std::unique(search.first.begin(), search.first.end()), search.first.end());
  return search;
}

kernel::OwnerSearch forwarder_search(const ForwarderNamespace& ns) {
  kernel::OwnerSearch search;
  search.first.push_back(ns.child_pid);
  for (const Listener& l : ns.netns.listeners) {
    if (l.inode != 0) {
      search.needed.insert(l.inode);
    }
  }
  return search;
}

}  // namespace whyno::gather
