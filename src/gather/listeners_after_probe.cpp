// After the probe: did its connection arrive, and was it accepted?

#include <algorithm>

#include "whyno/gather/gather.hpp"

namespace whyno::gather {

namespace {

bool has_tcp_listener(const NetnsFacts& ns) {
  return std::any_of(ns.listeners.begin(), ns.listeners.end(),
                     [](const Listener& l) { return l.protocol == Protocol::tcp; });
}

/// The sockets read before the probe, on their ports alone.
ListenerScope same_sockets(const NetnsFacts& ns) {
  std::vector<std::uint16_t> ports;
  for (const Listener& l : ns.listeners) {
    if (l.protocol == Protocol::tcp && std::find(ports.begin(), ports.end(), l.port) == ports.end()) {
      ports.push_back(l.port);
    }
  }
  return ListenerScope::only(std::move(ports), Protocol::tcp);
}

void add_queues(const std::vector<Listener>& listeners, std::vector<ListenerAfterProbe>& out) {
  for (const Listener& l : listeners) {
    if (l.protocol == Protocol::tcp && l.inode != 0) {
      out.push_back({l.inode, l.accept_queue, l.connections});
    }
  }
}

}  // namespace

std::vector<ListenerAfterProbe> listeners_now(const Facts& facts, kernel::NamespaceReader& namespaces) {
  std::vector<ListenerAfterProbe> out;
  if (has_tcp_listener(facts.host)) {
    add_queues(namespaces.read_host_listeners(same_sockets(facts.host)), out);
  }
  if (!facts.engine) {
    return out;
  }
  for (const Container& c : facts.engine->containers) {
    const auto it = facts.container_netns.find(c.id);
    if (it == facts.container_netns.end() || c.state.pid <= 0 || !has_tcp_listener(it->second)) {
      continue;
    }
    auto handle = namespaces.open(c.state.pid);
    if (!handle || handle->inode != it->second.inode) {
      continue;  // gone, or another namespace now: not the socket the facts name
    }
    if (auto now = namespaces.read(*handle, same_sockets(it->second))) {
      add_queues(now->listeners, out);
    }
  }
  for (const ForwarderNamespace& ns : facts.forwarder_namespaces) {
    auto handle = namespaces.open(ns.child_pid);
    if (handle && handle->inode == ns.netns.inode && has_tcp_listener(ns.netns)) {
      if (auto now = namespaces.read(*handle, same_sockets(ns.netns))) {
        add_queues(now->listeners, out);
      }
    }
  }
  // A namespace several containers share is read for each; once is enough.
  std::sort(out.begin(), out.end(),
            [](const ListenerAfterProbe& a, const ListenerAfterProbe& b) { return a.socket < b.socket; });
  out.erase(std::unique(out.begin(), out.end(),
                        [](const ListenerAfterProbe& a, const ListenerAfterProbe& b) {
                          return a.socket == b.socket;
                        }),
            out.end());
  return out;
}

}  // namespace whyno::gather
