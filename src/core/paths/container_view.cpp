// A container as a path sees it: the namespace its processes use, its own
// sockets, its interface, and what to show of it.

#include "container_view.hpp"

#include <algorithm>
#include <tuple>

#include <fmt/format.h>

#include "whyno/model/container_words.hpp"
#include "whyno/core/plan/container_lookup.hpp"
#include "whyno/model/listeners.hpp"

namespace whyno {

namespace detail {

std::string protocol_port(Protocol p, std::uint16_t port) { return fmt::format("{}/{}", port, to_string(p)); }

const NetnsFacts* netns_of(const Facts& facts, const Container& c) {
  if (shares_host_network(c)) {
    return &facts.host;
  }
  const Container* owner = nullptr;
  if (facts.engine) {
    owner = network_owner(*facts.engine, c);
  }
  const auto it = facts.container_netns.find(owner != nullptr ? owner->id : c.id);
  return it == facts.container_netns.end() ? nullptr : &it->second;
}

std::vector<Listener> container_listeners(const Facts& facts, const Container& c) {
  const NetnsFacts* ns = netns_of(facts, c);
  if (ns == nullptr) {
    return {};
  }
  std::vector<Listener> out;
  for (const auto& l : ns->listeners) {
    const bool held_by_container = std::any_of(l.owners.begin(), l.owners.end(), [&](const ProcessRef& p) {
      return !p.container_id.empty() && p.container_id == c.id;
    });
    const bool its_own = !is_engine_socket(l) && (!shares_host_network(c) || held_by_container);
    if (its_own) {
      out.push_back(l);
    }
  }
  std::sort(out.begin(), out.end(), [](const Listener& a, const Listener& b) {
    return std::tie(a.protocol, a.port, a.address) < std::tie(b.protocol, b.port, b.address);
  });
  return out;
}

void show_container(Diagnosis& d, const Facts& facts, const Container& c) {
  d.container = ContainerSummary{c.name, c.id, c.state.status, c.engine_uid, c.pod};
  d.listeners_title = shares_host_network(c) ? fmt::format("Listening sockets of {} (on the host's network)",
                                                           container_phrase(c))
                                             : fmt::format("Listening sockets in {}", container_phrase(c));
  if (const NetnsFacts* ns = netns_of(facts, c)) {
    d.listeners = container_listeners(facts, c);
    d.listeners_only_on = ns->listeners_only_on;
    d.listeners_left_out = ns->listeners_left_out;
    if (!shares_host_network(c)) {
      for (const auto& u : ns->unread) {
        d.unread.push_back({fmt::format("{} of {}", u.source, container_phrase(c)), u.reason});
      }
    }
  } else if (c.state.running) {
    d.unread.push_back({fmt::format("network namespace of {}", container_phrase(c)), "not read"});
  } else {
    d.listeners_title += " (not running)";
  }
}

void unknown_app_hop(Walk& walk, const Facts& facts, const Container& c) {
  const std::string source = fmt::format("network namespace of {}", container_phrase(c));
  const auto it = std::find_if(facts.unread.begin(), facts.unread.end(),
                               [&](const Unread& u) { return u.source == source; });
  walk.unknown("app",
               it == facts.unread.end() ? std::string("listening sockets not read")
                                        : fmt::format("listening sockets not read: {}", it->reason),
               fmt::format("Run whyno-port again: {}'s network namespace could not be read, "
                           "which happens when it restarts or is removed while whyno-port reads it.",
                           container_phrase(c)));
}

Hop interface_hop(const NetnsFacts* ns, const Container& c, const IpAddress& address) {
  if (ns != nullptr) {
    for (const auto& i : ns->interfaces) {
      for (const auto& a : i.addresses) {
        if (a.address == address) {
          return {fmt::format("{} {}", c.name, i.name), i.up ? HopState::ok : HopState::failed,
                  fmt::format("{}/{}{}", address.to_string(), a.prefix_len, i.up ? "" : ", down")};
        }
      }
    }
  }
  return {fmt::format("{} {}", c.name, address.to_string()), HopState::unknown, "interface not seen"};
}

}  // namespace detail
}  // namespace whyno
