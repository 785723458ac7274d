#include "whyno/core/plan/involved.hpp"

#include <algorithm>
#include <set>

#include "whyno/core/plan/container_lookup.hpp"

namespace whyno {

namespace {

bool publishes(const Container& c, const Query& q) {
  const auto on_port = [&](const PortBinding& b) {
    return b.host_port == q.port && b.protocol == q.protocol;
  };
  return std::any_of(c.actual.begin(), c.actual.end(), on_port) ||
         std::any_of(c.intended.begin(), c.intended.end(), on_port);
}

/// A rule that can match the query's port: one with no dport match, or one
/// whose dport ranges hold the port.
bool may_match_port(const nf::Rule& rule, std::uint16_t port) {
  for (const nf::Match& m : rule.matches) {
    if (m.field != nf::Field::dport) {
      continue;
    }
    const bool in = std::any_of(m.ranges.begin(), m.ranges.end(),
                                [&](const auto& r) { return r.first <= port && port <= r.second; });
    if (in == m.negated) {
      return false;
    }
  }
  return true;
}

/// The containers a DNS name from inside a container can name: each one
/// Docker's DNS may answer with (a name, an id of 12 digits or more, an
/// alias or DNS name on some network), and a container the user named by
/// its Compose service.
std::vector<const Container*> named(const Engine& engine, const std::string& name) {
  std::vector<const Container*> out;
  const auto in = [&](const std::vector<std::string>& v) {
    return std::find(v.begin(), v.end(), name) != v.end();
  };
  for (const Container& c : engine.containers) {
    if (c.name == name || (name.size() >= 12 && c.id.starts_with(name)) ||
        std::any_of(c.networks.begin(), c.networks.end(),
                    [&](const ContainerNetwork& n) { return in(n.aliases) || in(n.dns_names); })) {
      out.push_back(&c);
    }
  }
  if (out.empty()) {
    if (const Container* c = look_up_container(engine, name).found) {
      out.push_back(c);
    }
  }
  return out;
}

/// A network whose published ports Docker carries with DNAT and the proxy,
/// which the list's Ports then show: a bridge, not internal, in NAT mode.
bool plain_nat_bridge(const Engine& engine, const ContainerNetwork& n) {
  const Network* network = find_network(engine, n.network_id.empty() ? n.name : n.network_id);
  if (network == nullptr) {
    network = find_network(engine, n.name);
  }
  if (network == nullptr || network->driver != "bridge" || network->internal) {
    return false;
  }
  for (const char* mode :
       {"com.docker.network.bridge.gateway_mode_ipv4", "com.docker.network.bridge.gateway_mode_ipv6"}) {
    const auto it = network->options.find(mode);
    if (it != network->options.end() && it->second != "nat") {
      return false;
    }
  }
  return true;
}

/// A container whose list entry says all the diagnosis of another
/// container's port can need of it: running, so its live bindings are the
/// ones it asked for, on plain NAT bridges only.
bool listing_is_enough(const Engine& engine, const Container& c) {
  if (c.state.status != "running" || c.network_mode == "host" || c.network_mode == "none" ||
      c.network_mode.starts_with("container:") || c.networks.empty()) {
    return false;
  }
  return std::all_of(c.networks.begin(), c.networks.end(),
                     [&](const ContainerNetwork& n) { return plain_nat_bridge(engine, n); });
}

}  // namespace

std::optional<std::set<std::string>> containers_to_inspect(const Query& query, const Engine& listed,
                                                           const nf::Ruleset& rules) {
  if (query.port == 0 || query.from_container() || listed.product != "docker") {
    return std::nullopt;
  }
  auto ids = containers_involved(query, listed, rules);
  if (!ids) {
    return std::nullopt;
  }
  for (const Container& c : listed.containers) {
    if (!listing_is_enough(listed, c)) {
      ids->insert(c.id);
    }
  }
  return ids;
}

std::optional<std::set<std::string>> containers_involved(const Query& query, const Engine& engine,
                                                         const nf::Ruleset& rules) {
  if (query.port == 0) {
    return std::nullopt;
  }
  std::set<std::string> ids;
  const auto add = [&](const Container* c) {
    if (c != nullptr) {
      ids.insert(c->id);
    }
  };
  if (query.container) {
    add(look_up_container(engine, *query.container).found);
  }
  bool on_path = false;  // a publisher, a DNAT destination or the target
  const auto add_on_path = [&](const Container* c) {
    on_path = on_path || c != nullptr;
    add(c);
  };
  if (query.from_container()) {
    add(look_up_container(engine, query.from->text).found);
    if (query.target.is_this_host_loopback() || query.target.kind == Target::Kind::localhost) {
      return std::nullopt;  // localhost-is-self: which container does serve the port?
    }
    const std::vector<const Container*> targets =
        query.target.ip ? std::vector{container_with_address(engine, *query.target.ip).container}
                        : named(engine, query.target.text);
    if (targets.empty() || targets.front() == nullptr) {
      return std::nullopt;
    }
    for (const Container* target : targets) {
      add_on_path(target);
    }
  } else if (query.target.ip) {
    add_on_path(container_with_address(engine, *query.target.ip).container);
  }
  for (const Container& c : engine.containers) {
    if (publishes(c, query)) {
      add_on_path(&c);
    }
  }
  for (const nf::Rule& rule : rules.rules) {
    if ((rule.action.kind == nf::ActionKind::dnat || rule.action.kind == nf::ActionKind::redirect) &&
        rule.action.nat_address && may_match_port(rule, query.port)) {
      add_on_path(container_with_address(engine, *rule.action.nat_address).container);
    }
  }
  if (!on_path) {
    // Nothing on the path: nothing publishes the port, no rule forwards it,
    // so the diagnosis looks at every container for the one the user
    // likely meant.
    return std::nullopt;
  }
  // A container in another's namespace (container:<id>) is read as that one.
  for (const Container& c : engine.containers) {
    if (ids.contains(c.id)) {
      if (const Container* owner = network_owner(engine, c)) {
        ids.insert(owner->id);
      }
    }
  }
  return ids;
}

bool may_narrow_list(const Query& query) {
  const bool this_host =
      query.target.kind == Target::Kind::localhost ||
      (query.target.ip && (query.target.ip->is_loopback() || query.target.ip->is_unspecified()));
  return query.port != 0 && !query.container && !query.from && !query.netns && this_host;
}

bool narrowed_list_suffices(const Query& query, const Engine& narrowed, const nf::Ruleset& rules,
                            const NetnsFacts* host) {
  if (!narrowed.narrowed) {
    return true;
  }
  if (!may_narrow_list(query) || std::none_of(narrowed.containers.begin(), narrowed.containers.end(),
                                              [&](const Container& c) { return publishes(c, query); })) {
    return false;
  }
  for (const Network& n : narrowed.networks) {
    ContainerNetwork on;
    on.name = n.name;
    on.network_id = n.id;
    if (n.driver != "host" && n.driver != "null" && !plain_nat_bridge(narrowed, on)) {
      return false;
    }
  }
  for (const nf::Rule& rule : rules.rules) {
    const nf::Action& a = rule.action;
    if ((a.kind != nf::ActionKind::dnat && a.kind != nf::ActionKind::redirect) || !a.nat_address ||
        !may_match_port(rule, query.port)) {
      continue;
    }
    const IpAddress& to = *a.nat_address;
    const bool here =
        to.is_loopback() || to.is_unspecified() || (host != nullptr && has_interface_address(*host, to));
    if (!here && container_with_address(narrowed, to).container == nullptr) {
      return false;
    }
  }
  return true;
}

std::optional<std::vector<std::uint16_t>> listener_ports(const Query& query, const Engine& engine,
                                                         const nf::Ruleset& rules, const NetnsFacts* host) {
  // A NAT port range wider than this is not followed port by port.
  constexpr std::uint32_t k_widest_nat_range = 64;
  if (query.port == 0 || query.from_container()) {
    return std::nullopt;
  }
  std::set<std::uint16_t> ports{query.port};
  for (const Container& c : engine.containers) {
    if (host != nullptr && !shares_host_network(c)) {
      continue;
    }
    for (const auto* bindings : {&c.actual, &c.intended}) {
      for (const PortBinding& b : *bindings) {
        if (b.host_port == query.port && b.protocol == query.protocol && b.container_port != 0) {
          ports.insert(b.container_port);
        }
      }
    }
  }
  for (const nf::Rule& rule : rules.rules) {
    const nf::Action& a = rule.action;
    if ((a.kind != nf::ActionKind::dnat && a.kind != nf::ActionKind::redirect) || a.nat_port_min == 0 ||
        !may_match_port(rule, query.port)) {
      continue;
    }
    if (host != nullptr && a.kind == nf::ActionKind::dnat && a.nat_address && !a.nat_address->is_loopback() &&
        !a.nat_address->is_unspecified() && !has_interface_address(*host, *a.nat_address)) {
      continue;  // to another namespace
    }
    const std::uint16_t last = std::max(a.nat_port_min, a.nat_port_max);
    if (std::uint32_t{last} - a.nat_port_min >= k_widest_nat_range) {
      return std::nullopt;
    }
    for (std::uint32_t p = a.nat_port_min; p <= last; ++p) {
      ports.insert(static_cast<std::uint16_t>(p));
    }
  }
  return std::vector<std::uint16_t>(ports.begin(), ports.end());
}

std::vector<IpAddress> addresses_no_container_holds(const Query& query, const Engine& engine,
                                                    const nf::Ruleset& rules, const NetnsFacts& host) {
  std::vector<IpAddress> out;
  const auto consider = [&](const IpAddress& a) {
    const bool local = a.is_loopback() || a.is_unspecified() || has_interface_address(host, a);
    if (!local && container_with_address(engine, a).container == nullptr &&
        std::find(out.begin(), out.end(), a) == out.end()) {
      out.push_back(a);
    }
  };
  for (const nf::Rule& rule : rules.rules) {
    // --all (port 0): every DNAT's destination, a Kubernetes node's pods.
    if ((rule.action.kind == nf::ActionKind::dnat) && rule.action.nat_address &&
        (query.port == 0 || may_match_port(rule, query.port))) {
      consider(*rule.action.nat_address);
    }
  }
  if (query.target.ip && !query.from_container()) {
    consider(*query.target.ip);
  }
  return out;
}

}  // namespace whyno
