// A client container dials TARGET:PORT: Docker's DNS (or an address) -> the
// shared network -> the target's interface -> the app's socket.

#include <algorithm>

#include <fmt/format.h>

#include "paths.hpp"
#include "whyno/core/engine_lookup.hpp"
#include "whyno/core/listeners.hpp"
#include "whyno/core/words.hpp"

namespace whyno::detail {

namespace {

std::string_view strip_brackets(std::string_view s) {
  if (s.size() > 2 && s.front() == '[' && s.back() == ']') {
    return s.substr(1, s.size() - 2);
  }
  return s;
}

std::string networks_phrase(const Container& c) {
  const auto names = network_names(c);
  if (names.empty()) {
    return "no network";
  }
  return fmt::format("{} {}", names.size() == 1 ? "network" : "networks", join_words(names, "and"));
}

/// The names Docker's embedded DNS answers for `c` on network `n`.
bool answers_to(const Container& c, const ContainerNetwork& n, std::string_view name) {
  if (c.name == name || (name.size() >= 12 && c.id.starts_with(name))) {
    return true;
  }
  const auto in = [&](const std::vector<std::string>& v) {
    return std::find(v.begin(), v.end(), name) != v.end();
  };
  return in(n.aliases) || in(n.dns_names);
}

bool answers_anywhere(const Container& c, std::string_view name) {
  return std::any_of(c.networks.begin(), c.networks.end(),
                     [&](const ContainerNetwork& n) { return answers_to(c, n, name); }) ||
         c.name == name;
}

bool same_network(const ContainerNetwork& a, const ContainerNetwork& b) {
  return a.name == b.name || (!a.network_id.empty() && a.network_id == b.network_id);
}

struct Resolution {
  const Container* container = nullptr;
  const ContainerNetwork* network = nullptr;  // the target's side
  std::string how;                            // "Docker DNS on day8-net", "--link"
};

/// Resolves `name` the way the client's resolver would inside Docker: the
/// embedded DNS on user-defined networks, and /etc/hosts entries from --link.
Resolution resolve_name(const Engine& engine, const Container& client, std::string_view name) {
  for (const auto& mine : client.networks) {
    if (!is_user_defined(engine, mine)) {
      continue;
    }
    for (const auto& c : engine.containers) {
      if (&c == &client || !c.state.running) {
        continue;
      }
      for (const auto& theirs : c.networks) {
        if (same_network(mine, theirs) && answers_to(c, theirs, name)) {
          return {&c, &theirs, fmt::format("Docker DNS on {}", mine.name)};
        }
      }
    }
  }
  // --link writes "/target:/client/alias" and an /etc/hosts entry.
  for (const auto& link : client.links) {
    const auto colon = link.find(':');
    if (colon == std::string::npos) {
      continue;
    }
    const std::string target = link.substr(0, colon);
    const std::string alias = link.substr(link.rfind('/') + 1);
    const Container* c = find_container(engine, target.starts_with('/') ? target.substr(1) : target);
    if (c != nullptr && (alias == name || c->name == name)) {
      for (const auto& theirs : c->networks) {
        for (const auto& mine : client.networks) {
          if (same_network(mine, theirs)) {
            return {c, &theirs, "--link"};
          }
        }
      }
    }
  }
  return {};
}

void client_hop(Diagnosis& d, const Facts& facts, const Container& client) {
  std::string detail = networks_phrase(client);
  const NetnsFacts* ns = netns_of(facts, client);
  if (ns != nullptr && !client.networks.empty() && client.networks.front().ipv4) {
    const Hop h = interface_hop(ns, client, *client.networks.front().ipv4);
    detail = fmt::format("{} on {}", h.detail, networks_phrase(client));
  }
  d.path.push_back({fmt::format("{} (client)", client.name), HopState::ok, detail});
}

std::vector<std::string> near_names(const Engine& engine, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& c : engine.containers) {
    if (near_miss(c.name, name)) {
      out.push_back(quoted(c.name));
    }
  }
  return out;
}

/// Networks of a and b whose names look alike (day8-net / day8-network).
std::optional<std::pair<std::string, std::string>> near_miss_networks(const Container& a,
                                                                      const Container& b) {
  for (const auto& x : a.networks) {
    for (const auto& y : b.networks) {
      if (near_miss(x.name, y.name)) {
        return std::pair(x.name, y.name);
      }
    }
  }
  return std::nullopt;
}

void explain_no_shared_network(Diagnosis& d, const Engine& engine, const Container& client,
                               const Container& target) {
  d.verdict = Verdict::no_shared_network;
  d.path.push_back({fmt::format("no network shared with {}", target.name), HopState::failed,
                    fmt::format("{} is on {}", target.name, networks_phrase(target))});
  d.summary = fmt::format("{} ({}) and {} ({}) share no network, so no packet and no DNS "
                          "answer can pass between them.",
                          container_phrase(client), networks_phrase(client),
                          container_phrase(target), networks_phrase(target));
  std::string network;
  for (const auto& n : target.networks) {
    if (is_user_defined(engine, n)) {
      network = n.name;
      break;
    }
  }
  if (const auto miss = near_miss_networks(client, target)) {
    d.summary += fmt::format(" {} and {} are different networks: a typo?", quoted(miss->first),
                             quoted(miss->second));
    network = miss->second;
  }
  if (network.empty()) {
    d.fix = fmt::format("Put both on one user-defined network: docker network create app-net; "
                        "docker network connect app-net {}; docker network connect app-net {}.",
                        target.name, client.name);
  } else {
    d.fix = fmt::format("Attach {} to {}: docker network connect {} {} (or start it with "
                        "--network {}).",
                        quoted(client.name), quoted(network), network, client.name, network);
  }
}

void explain_localhost(Diagnosis& d, const Facts& facts, const Query& q, const Container& client) {
  const NetnsFacts* ns = netns_of(facts, client);
  const auto target_ip = IpAddress::parse(strip_brackets(q.address));
  const IpAddress loopback =
      target_ip && target_ip->is_loopback() ? *target_ip : IpAddress::loopback(IpFamily::v4);
  if (ns != nullptr) {
    const AppCheck own = check_app(ns->listeners, q.protocol, loopback, q.port);
    if (own.outcome == AppCheck::Outcome::accepting) {
      d.verdict = Verdict::reachable;
      show_container(d, facts, client);
      d.path.push_back({fmt::format("{} lo", client.name), HopState::ok, loopback.to_string()});
      d.path.push_back({fmt::format("app :{}", q.port), HopState::ok,
                        fmt::format("{} listens on {}", describe_owners(*own.listener),
                                    describe_bind(*own.listener))});
      d.summary = fmt::format("{}:{} inside {} reaches a socket of its own network namespace: "
                              "{} listens on {}.",
                              q.address, q.port, container_phrase(client),
                              describe_owners(*own.listener), describe_bind(*own.listener));
      return;
    }
  }
  d.verdict = Verdict::localhost_is_self;
  show_container(d, facts, client);
  d.path.push_back({fmt::format("{} lo {}", client.name, loopback.to_string()), HopState::failed,
                    fmt::format("nothing in {} listens on {}", client.name,
                                protocol_port(q.protocol, q.port))});
  d.summary = fmt::format("{} inside {} is {} itself, and nothing in it listens on {}; "
                          "localhost never reaches another container.",
                          q.address, container_phrase(client), quoted(client.name),
                          protocol_port(q.protocol, q.port));
  // Which container serves this port, and can the client reach it by name?
  if (!facts.engine) {
    return;
  }
  for (const auto& c : facts.engine->containers) {
    if (&c == &client || !c.state.running) {
      continue;
    }
    const NetnsFacts* theirs = netns_of(facts, c);
    if (theirs == nullptr || c.networks.empty()) {
      continue;
    }
    const auto shared = shared_networks(client, c);
    const ContainerNetwork& n = shared.empty() ? c.networks.front() : *shared.front();
    if (!n.ipv4 || check_app(theirs->listeners, q.protocol, *n.ipv4, q.port).outcome !=
                       AppCheck::Outcome::accepting) {
      continue;
    }
    d.summary += fmt::format(" The app listening on {} is in {}.", q.port, container_phrase(c));
    const bool dns = !shared.empty() && is_user_defined(*facts.engine, *shared.front());
    if (dns) {
      d.fix = fmt::format("Dial {}:{}: containers on a shared user-defined network ({}) reach "
                          "each other by name.",
                          c.name, q.port, shared.front()->name);
    } else {
      d.fix = fmt::format("Put both containers on one user-defined network (docker network "
                          "create app-net; docker network connect app-net {}; docker network "
                          "connect app-net {}), then dial {}:{}.",
                          c.name, client.name, c.name, q.port);
    }
    return;
  }
  d.fix = fmt::format("Dial the other container by its name on a shared user-defined network, "
                      "e.g. <container>:{}, not localhost.",
                      q.port);
}

void judge_target(Diagnosis& d, const Facts& facts, const Query& q, const Container& client,
                  const Container& target, const IpAddress& address) {
  show_container(d, facts, target);
  const NetnsFacts* ns = netns_of(facts, target);
  const Hop iface = interface_hop(ns, target, address);
  d.path.push_back(iface);
  if (ns == nullptr) {
    d.verdict = Verdict::reachable;
    d.path.push_back({"app", HopState::unknown, "listening sockets not read"});
    d.summary = fmt::format("{} resolves to {}, whose sockets could not be read.", q.address,
                            container_phrase(target));
    return;
  }
  const AppCheck check = check_app(ns->listeners, q.protocol, address, q.port);
  if (check.outcome != AppCheck::Outcome::accepting && check.outcome != AppCheck::Outcome::loopback_only) {
    // Dialling the host-side half of -p HOST:CONTAINER from another container?
    const auto& bindings = target.state.running ? target.actual : target.intended;
    const auto it = std::find_if(bindings.begin(), bindings.end(), [&](const PortBinding& b) {
      return b.protocol == q.protocol && b.host_port == q.port && b.container_port != q.port;
    });
    if (it != bindings.end()) {
      d.verdict = Verdict::host_port_used_internally;
      d.path.push_back({fmt::format("nothing listens on {}", protocol_port(q.protocol, q.port)),
                        HopState::failed,
                        fmt::format("{} is the host side of -p {}:{}", q.port, it->host_port,
                                    it->container_port)});
      d.summary = fmt::format(
          "{} dials {}:{}, but {} is the host-side port of {}'s -p {}:{}; between containers "
          "traffic goes straight to the container port, and nothing in {} listens on {}.",
          container_phrase(client), q.address, q.port, q.port, quoted(target.name), it->host_port,
          it->container_port, quoted(target.name), q.port);
      d.fix = fmt::format("Dial {}:{} (the container port); the published port {} is for "
                          "clients outside Docker's networks.",
                          q.address, it->container_port, q.port);
      return;
    }
  }
  AppContext context;
  context.container = &target;
  context.protocol = q.protocol;
  context.address = address;
  context.port = q.port;
  const std::string iface_name = iface.label.substr(target.name.size() + 1);
  context.how_reached = fmt::format("traffic from other containers arrives on its {} ({})",
                                    iface_name, address.to_string());
  context.closed_lead = fmt::format("Nothing in {} listens on {}", container_phrase(target),
                                    protocol_port(q.protocol, q.port));
  context.other_port_fix = fmt::format("Dial {}:{{}}, the port the app listens on.", q.address);
  judge_app(d, check, context);
  if (d.verdict == Verdict::reachable) {
    d.summary = fmt::format("{} reaches {}:{}: {} listens on {} in {}.", container_phrase(client),
                            q.address, q.port, describe_owners(*check.listener),
                            describe_bind(*check.listener), container_phrase(target));
  }
}

}  // namespace

Diagnosis diagnose_from_container(const Query& q, const Facts& facts) {
  Diagnosis d;
  if (!facts.engine) {
    d.verdict = Verdict::name_not_resolvable;
    d.summary = "The container engine could not be read, so the client container is unknown.";
    return d;
  }
  const Engine& engine = *facts.engine;
  const Container* client = find_container(engine, *q.from);
  if (client == nullptr) {
    d.verdict = Verdict::name_not_resolvable;
    d.summary = fmt::format("No container is named {}.", quoted(*q.from));
    return d;
  }
  client_hop(d, facts, *client);

  const std::string_view target = strip_brackets(q.address);
  const auto literal = IpAddress::parse(target);
  if (target == "localhost" || (literal && literal->is_loopback())) {
    explain_localhost(d, facts, q, *client);
    return d;
  }

  if (literal) {
    const Attachment at = container_with_address(engine, *literal);
    if (at.container == nullptr) {
      d.verdict = Verdict::no_shared_network;
      d.path.push_back({q.address, HopState::failed, "no container has this address"});
      d.summary = fmt::format("No container has the address {}; {} is on {}.", q.address,
                              container_phrase(*client), networks_phrase(*client));
      d.fix = "Dial the target container by its name on a shared user-defined network.";
      return d;
    }
    const bool shared = std::any_of(client->networks.begin(), client->networks.end(),
                                    [&](const auto& n) { return same_network(n, *at.network); });
    if (!shared) {
      explain_no_shared_network(d, engine, *client, *at.container);
      return d;
    }
    d.path.push_back({fmt::format("{} ({})", q.address, at.network->name), HopState::ok,
                      fmt::format("{} on {}", container_phrase(*at.container), at.network->name)});
    judge_target(d, facts, q, *client, *at.container, *literal);
    return d;
  }

  const Resolution r = resolve_name(engine, *client, target);
  if (r.container != nullptr && r.network->ipv4) {
    d.path.push_back({fmt::format("DNS {} → {}", target, r.network->ipv4->to_string()), HopState::ok,
                      fmt::format("{} ({})", r.how, container_phrase(*r.container))});
    d.evidence.push_back(fmt::format("engine: {} answers to {} on network {}",
                                     container_phrase(*r.container), quoted(target),
                                     r.network->name));
    judge_target(d, facts, q, *client, *r.container, *r.network->ipv4);
    return d;
  }

  // The name does not resolve. Is there a container by that name at all?
  const Container* named = nullptr;
  for (const auto& c : engine.containers) {
    if (&c != client && answers_anywhere(c, target)) {
      named = &c;
      break;
    }
  }
  if (named != nullptr) {
    show_container(d, facts, *named);
    const auto shared = shared_networks(*client, *named);
    if (shared.empty()) {
      explain_no_shared_network(d, engine, *client, *named);
      return d;
    }
    d.verdict = Verdict::name_not_resolvable;
    d.path.push_back({fmt::format("DNS {}", target), HopState::failed,
                      fmt::format("{} has no DNS by container name", shared.front()->name)});
    d.summary = fmt::format("{} cannot resolve {}: the two share only the {} network, and "
                            "Docker's default bridge has no DNS by container name.",
                            container_phrase(*client), quoted(target), shared.front()->name);
    d.fix = fmt::format("Put both on a user-defined network, which resolves names: docker network "
                        "create app-net; docker network connect app-net {}; docker network "
                        "connect app-net {}; then dial {}:{}.",
                        named->name, client->name, named->name, q.port);
    return d;
  }

  d.verdict = Verdict::name_not_resolvable;
  d.path.push_back({fmt::format("DNS {}", target), HopState::failed, "no such container or alias"});
  d.summary = fmt::format("No container, alias or network-scoped name {} exists for {} to "
                          "resolve (it is on {}).",
                          quoted(target), container_phrase(*client), networks_phrase(*client));
  const auto near = near_names(engine, target);
  if (!near.empty()) {
    d.summary += fmt::format(" Did you mean {}?", join_words(near, "or"));
  }
  d.fix = "Dial the target by its container name or --network-alias on a network both "
          "containers share.";
  return d;
}

}  // namespace whyno::detail
