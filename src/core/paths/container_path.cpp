// A client container dials TARGET:PORT: Docker's DNS (or an address) -> the
// shared network -> the target's interface -> the app's socket.

#include <algorithm>

#include <fmt/format.h>

#include "whyno/util/hosts_file.hpp"

#include "firewall_hop.hpp"
#include "container_path.hpp"
#include "host_path.hpp"
#include "app_hop.hpp"
#include "container_view.hpp"
#include "state_problem.hpp"
#include "whyno/core/plan/container_lookup.hpp"
#include "whyno/model/listeners.hpp"
#include "routing.hpp"
#include "whyno/util/words.hpp"

namespace whyno::detail {

namespace {

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
  return c.name == name || std::any_of(c.networks.begin(), c.networks.end(),
                                       [&](const ContainerNetwork& n) { return answers_to(c, n, name); });
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
      if (&c == &client || !c.state.running || c.engine != client.engine) {
        continue;  // a network of another engine is another network, whatever its name
      }
      for (const auto& theirs : c.networks) {
        if (same_network(mine, theirs) && answers_to(c, theirs, name)) {
          return {
              &c, &theirs,
              fmt::format("{} on {}", is_podman(engine, client) ? "aardvark-dns" : "Docker DNS", mine.name)};
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
    if (c == nullptr || (alias != name && c->name != name)) {
      continue;
    }
    for (const auto& theirs : c->networks) {
      for (const auto& mine : client.networks) {
        if (same_network(mine, theirs)) {
          return {c, &theirs, "--link"};
        }
      }
    }
  }
  return {};
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

class ContainerPath {
 public:
  ContainerPath(const Query& q, const Facts& f, const Container& client, Diagnosis& d)
      : m_q(q), m_f(f), m_engine(*f.engine), m_client(client), m_d(d), m_w(d, q.explain) {}

  void run() {
    client_hop();
    // localhost, 127.0.0.1, 0.0.0.0 and the like stay inside the client.
    if (m_q.target.is_this_host_loopback()) {
      localhost(*m_q.target.local_address());
    } else if (m_q.target.ip) {
      by_address(*m_q.target.ip);
    } else {
      by_name(m_q.target.text);
    }
  }

 private:
  void client_hop() {
    const NetnsFacts* ns = netns_of(m_f, m_client);
    if (ns != nullptr && !m_client.networks.empty() && m_client.networks.front().ipv4) {
      const Hop h = interface_hop(ns, m_client, *m_client.networks.front().ipv4);
      m_w.ok(h.label, fmt::format("{} on {} (the client)", h.detail, networks_phrase(m_client)));
      return;
    }
    if (ns == nullptr && m_client.state.running && !shares_host_network(m_client)) {
      // Its packets leave from a namespace whyno-port did not see: its
      // routes, its interface and its own rules are unknown.
      m_w.unknown(m_client.name, "the client's network namespace was not read",
                  fmt::format("Run whyno-port again: {}'s network namespace could not be read, which happens "
                              "when it restarts or is removed while whyno-port reads it.",
                              container_phrase(m_client)));
      return;
    }
    m_w.ok(m_client.name, fmt::format("the client, on {}", networks_phrase(m_client)));
  }

  void localhost(const IpAddress& loopback) {
    const NetnsFacts* ns = netns_of(m_f, m_client);
    show_container(m_d, m_f, m_client);
    if (ns != nullptr) {
      const AppCheck own = check_app(ns->listeners, m_q.protocol, loopback, m_q.port);
      if (own.listener != nullptr) {
        m_w.ok(fmt::format("{} lo", m_client.name), loopback.to_string());
        m_w.ok(fmt::format("app :{}", m_q.port),
               fmt::format("{} listens on {}", describe_owners(*own.listener), describe_bind(*own.listener)));
        m_w.finish(
            fmt::format("{}:{} inside {} reaches a socket of its own network namespace: "
                        "{} listens on {}.",
                        m_q.target.text, m_q.port, container_phrase(m_client), describe_owners(*own.listener),
                        describe_bind(*own.listener)));
        return;
      }
    }
    std::string summary = fmt::format(
        "{} inside {} is {} itself, and nothing in it listens on {}; "
        "localhost never reaches another container.",
        m_q.target.text, container_phrase(m_client), quoted(m_client.name),
        protocol_port(m_q.protocol, m_q.port));
    std::string fix = fmt::format(
        "Dial the other container by its name on a shared user-defined "
        "network, e.g. <container>:{}, not localhost.",
        m_q.port);
    if (const Container* server = who_serves_port()) {
      summary += fmt::format(" The app listening on {} is in {}.", m_q.port, container_phrase(*server));
      const auto shared = shared_networks(m_client, *server);
      if (!shared.empty() && is_user_defined(m_engine, *shared.front())) {
        fix = fmt::format(
            "Dial {}:{}: containers on a shared user-defined network ({}) reach "
            "each other by name.",
            server->name, m_q.port, shared.front()->name);
      } else {
        fix = fmt::format(
            "Put both containers on one user-defined network (docker network create "
            "app-net; docker network connect app-net {}; docker network connect "
            "app-net {}), then dial {}:{}.",
            server->name, m_client.name, server->name, m_q.port);
      }
    }
    m_w.fail(fmt::format("{} lo {}", m_client.name, loopback.to_string()),
             fmt::format("nothing in {} listens on {}", m_client.name, protocol_port(m_q.protocol, m_q.port)),
             {Verdict::localhost_is_self, summary, fix});
    m_w.finish({});
  }

  /// Another running container whose app takes the port on its address.
  const Container* who_serves_port() const {
    for (const auto& c : m_engine.containers) {
      if (&c == &m_client || !c.state.running || c.networks.empty()) {
        continue;
      }
      const NetnsFacts* theirs = netns_of(m_f, c);
      const auto shared = shared_networks(m_client, c);
      const ContainerNetwork& n = shared.empty() ? c.networks.front() : *shared.front();
      if (theirs != nullptr && n.ipv4 &&
          check_app(theirs->listeners, m_q.protocol, *n.ipv4, m_q.port).listener != nullptr) {
        return &c;
      }
    }
    return nullptr;
  }

  void by_address(const IpAddress& address) {
    if (is_local_address(m_f.host, address)) {
      host_address(address);
      return;
    }
    const Attachment at = container_with_address(m_engine, address);
    if (at.container == nullptr) {
      m_w.fail(m_q.target.text, "no container has this address",
               {Verdict::no_shared_network,
                fmt::format("No container has the address {}; {} is on {}.", m_q.target.text,
                            container_phrase(m_client), networks_phrase(m_client)),
                "Dial the target container by its name on a shared user-defined network."});
      m_w.finish({});
      return;
    }
    const bool shared = std::any_of(m_client.networks.begin(), m_client.networks.end(),
                                    [&](const auto& n) { return same_network(n, *at.network); });
    if (!shared) {
      no_shared_network(*at.container);
      return;
    }
    m_w.ok(fmt::format("{} ({})", m_q.target.text, at.network->name),
           fmt::format("{} on {}", container_phrase(*at.container), at.network->name));
    judge_target(*at.container, *at.network, address);
  }

  /// The client dials the host (its gateway or a host address): the host
  /// path, arriving from the client's bridge.
  void host_address(const IpAddress& address) {
    std::optional<std::string> bridge;
    if (!m_client.networks.empty() && m_client.networks.front().ipv4) {
      bridge = route_interface(m_f.host, *m_client.networks.front().ipv4);
    }
    const RemoteClient client{
        m_client.networks.empty() || !m_client.networks.front().ipv4 ? IpAddress{}
                                                                     : *m_client.networks.front().ipv4,
        bridge, fmt::format("{} (client) → host {}", m_client.name, address.to_string()), &m_client};
    Diagnosis host = diagnose_host(m_q, m_f, address, client);
    host.path.erase(host.path.begin(),
                    host.path.begin() + std::min<std::ptrdiff_t>(1, std::ssize(host.path)));
    host.path.insert(host.path.begin(), m_d.path.begin(), m_d.path.end());
    const bool client_unread = std::any_of(m_d.path.begin(), m_d.path.end(),
                                           [](const Hop& hop) { return hop.state == HopState::unknown; });
    if (client_unread && host.verdict == Verdict::reachable) {
      Walk again(host);
      again.finish(host.summary);  // a hop not read: inconclusive, never reachable
    }
    m_d = std::move(host);
  }

  /// host.docker.internal and podman's host.containers.internal name the
  /// host only where the engine wrote them into the client's /etc/hosts.
  static bool is_host_alias(std::string_view name) {
    return same_dns_name(name, "host.docker.internal") || same_dns_name(name, "host.containers.internal") ||
           same_dns_name(name, "gateway.docker.internal");
  }

  void host_alias_missing(std::string_view name) {
    const std::optional<IpAddress> gateway =
        m_client.networks.empty() ? std::nullopt : m_client.networks.front().gateway;
    const bool podman = is_podman(m_engine, m_client);
    const std::string where =
        m_f.client_hosts ? fmt::format("its /etc/hosts ({}) has no line for it", m_f.client_hosts->path)
                         : std::string("its /etc/hosts could not be read");
    const std::string dial = gateway ? fmt::format(", or dial the host at the network's gateway, {}:{}",
                                                   gateway->to_string_for_port(), m_q.port)
                                     : std::string();
    m_w.fail(fmt::format("resolve {}", name), where,
             {Verdict::name_not_resolvable,
              fmt::format("{} cannot resolve {}: {}, and no DNS answers for it. {}",
                          container_phrase(m_client), name, where,
                          podman ? "podman writes host.containers.internal into a container's /etc/hosts "
                                   "unless --no-hosts is given."
                                 : "Docker on Linux adds host.docker.internal only when asked: --add-host "
                                   "host.docker.internal:host-gateway."),
              podman ? fmt::format("Re-create {} without --no-hosts (or with --add-host {}:host-gateway){}.",
                                   quoted(m_client.name), name, dial)
                     : fmt::format("Re-create {} with --add-host {}:host-gateway (Compose: extra_hosts: "
                                   "[\"{}:host-gateway\"]){}.",
                                   quoted(m_client.name), name, name, dial)});
    m_w.finish({});
  }

  void by_name(std::string_view name) {
    // The client's resolver reads /etc/hosts first: --add-host (host-gateway),
    // podman's host.containers.internal, --link entries.
    if (m_f.client_hosts && !m_f.client_hosts->addresses.empty()) {
      const IpAddress& address = m_f.client_hosts->addresses.front();
      m_w.ok(fmt::format("{} → {}", name, address.to_string()),
             fmt::format("{}'s /etc/hosts ({})", m_client.name, m_f.client_hosts->path));
      by_address(address);
      return;
    }
    const Resolution r = resolve_name(m_engine, m_client, name);
    if (r.container != nullptr && r.network->ipv4) {
      m_w.ok(fmt::format("DNS {} → {}", name, r.network->ipv4->to_string()),
             fmt::format("{} ({})", r.how, container_phrase(*r.container)));
      m_d.evidence.push_back(fmt::format("engine: {} answers to {} on network {}",
                                         container_phrase(*r.container), quoted(name), r.network->name));
      judge_target(*r.container, *r.network, *r.network->ipv4);
      return;
    }
    // The name does not resolve. Is there a container by that name at all?
    const Container* named = nullptr;
    for (const auto& c : m_engine.containers) {
      if (&c != &m_client && answers_anywhere(c, name)) {
        named = &c;
        break;
      }
    }
    if (named == nullptr && !m_f.resolved_addresses.empty()) {
      // Not a container's name: the container's DNS (Docker's embedded
      // DNS, or the host's resolv.conf it copied) asks the host's resolvers.
      const IpAddress& address = m_f.resolved_addresses.front();
      m_w.ok(fmt::format("DNS {} → {}", name, address.to_string()),
             "the host's resolver, which a container's DNS forwards names it does not know to");
      by_address(address);
      return;
    }
    if (named == nullptr && is_host_alias(name)) {
      host_alias_missing(name);
      return;
    }
    if (named == nullptr) {
      std::string summary = fmt::format(
          "No container, alias or network-scoped name {} exists for "
          "{} to resolve (it is on {}).",
          quoted(name), container_phrase(m_client), networks_phrase(m_client));
      const auto near = near_names(m_engine, name);
      if (!near.empty()) {
        summary += fmt::format(" Did you mean {}?", join_words(near, "or"));
      }
      m_w.fail(fmt::format("DNS {}", name), "no such container or alias",
               {Verdict::name_not_resolvable, summary,
                "Dial the target by its container name or --network-alias on a network both "
                "containers share."});
      m_w.finish({});
      return;
    }
    show_container(m_d, m_f, *named);
    if (auto problem = not_running_problem(*named, fmt::format("Docker's DNS does not answer for "
                                                               "it and nothing listens"))) {
      m_w.fail(fmt::format("DNS {}", name), fmt::format("{} {}", named->name, state_phrase(*named)),
               *problem);
      m_w.finish({});
      return;
    }
    const auto shared = shared_networks(m_client, *named);
    if (shared.empty()) {
      no_shared_network(*named);
      return;
    }
    m_w.fail(fmt::format("DNS {}", name),
             fmt::format("{} has no DNS by container name", shared.front()->name),
             {Verdict::name_not_resolvable,
              fmt::format("{} cannot resolve {}: the two share only the {} network, and Docker's "
                          "default bridge has no DNS by container name.",
                          container_phrase(m_client), quoted(name), shared.front()->name),
              fmt::format("Put both on a user-defined network, which resolves names: docker "
                          "network create app-net; docker network connect app-net {}; docker "
                          "network connect app-net {}; then dial {}:{}.",
                          named->name, m_client.name, named->name, m_q.port)});
    m_w.finish({});
  }

  void no_shared_network(const Container& target) {
    std::string summary = fmt::format(
        "{} ({}) and {} ({}) share no network, so no packet and no "
        "DNS answer can pass between them.",
        container_phrase(m_client), networks_phrase(m_client), container_phrase(target),
        networks_phrase(target));
    std::string network;
    for (const auto& n : target.networks) {
      if (is_user_defined(m_engine, n)) {
        network = n.name;
        break;
      }
    }
    if (const auto miss = near_miss_networks(m_client, target)) {
      summary += fmt::format(" {} and {} are different networks: a typo?", quoted(miss->first),
                             quoted(miss->second));
      network = miss->second;
    }
    const char* cli = cli_of(m_client);
    const std::string fix =
        network.empty() ? fmt::format(
                              "Put both on one user-defined network: {0} network create app-net; "
                              "{0} network connect app-net {1}; {0} network connect app-net {2}.",
                              cli, target.name, m_client.name)
                        : fmt::format(
                              "Attach {} to {}: {} network connect {} {} (or start it with "
                              "--network {}).",
                              quoted(m_client.name), quoted(network), cli, network, m_client.name, network);
    std::vector<std::string> commands;
    if (network.empty()) {
      commands = {fmt::format("{} network create app-net", cli),
                  fmt::format("{} network connect app-net {}", cli, shell_word(target.name)),
                  fmt::format("{} network connect app-net {}", cli, shell_word(m_client.name))};
    } else {
      commands = {
          fmt::format("{} network connect {} {}", cli, shell_word(network), shell_word(m_client.name))};
    }
    show_container(m_d, m_f, target);
    m_w.fail(fmt::format("no network shared with {}", target.name),
             fmt::format("{} is on {}", target.name, networks_phrase(target)),
             {Verdict::no_shared_network, summary, fix, std::move(commands)});
    m_w.finish({});
  }

  /// Same bridge: with br_netfilter, bridged traffic crosses FORWARD too
  /// (icc=false is a DROP there).
  void bridge_firewall(const Container& target, const ContainerNetwork& network, const IpAddress& address) {
    if (!m_f.sysctls.bridge_nf_call_iptables.value_or(false)) {
      return;
    }
    const auto bridge = route_interface(m_f.host, address);
    const auto mine = std::find_if(m_client.networks.begin(), m_client.networks.end(),
                                   [&](const auto& n) { return same_network(n, network); });
    if (!bridge || mine == m_client.networks.end() || !mine->ipv4) {
      return;
    }
    nf::Packet p;
    p.source = *mine->ipv4;
    p.destination = address;
    p.l4proto = ip_protocol_number(m_q.protocol);
    p.destination_port = m_q.port;
    p.input_interface = bridge;
    p.output_interface = bridge;
    walk_firewall(m_w, m_f, nf::Hook::forward, p,
                  fmt::format("{} from {} to {}:{} ({})", to_string(m_q.protocol), m_client.name,
                              address.to_string_for_port(), m_q.port, container_phrase(target)));
  }

  void judge_target(const Container& target, const ContainerNetwork& network, const IpAddress& address) {
    show_container(m_d, m_f, target);
    bridge_firewall(target, network, address);
    if (auto problem = not_running_problem(target, "nothing in it answers")) {
      m_w.fail(fmt::format("{} {}", target.name, state_phrase(target)), target.state.status, *problem);
    }
    const NetnsFacts* ns = netns_of(m_f, target);
    const Hop iface = interface_hop(ns, target, address);
    m_d.path.push_back(iface);
    if (ns == nullptr) {
      unknown_app_hop(m_w, m_f, target);
      m_w.finish(fmt::format("{} resolves to {}, whose sockets could not be read.", m_q.target.text,
                             container_phrase(target)));
      return;
    }
    const AppCheck check = check_app(ns->listeners, m_q.protocol, address, m_q.port);
    if (check.listener == nullptr && check.outcome != AppCheck::Outcome::loopback_only &&
        host_port_used_internally(target)) {
      m_w.finish({});
      return;
    }
    AppContext context;
    context.container = &target;
    context.netns = ns;
    context.engine = &m_engine;
    context.protocol = m_q.protocol;
    context.address = address;
    context.port = m_q.port;
    context.somaxconn = m_f.sysctls.somaxconn;
    context.collected_at = m_f.collected_at;
    const std::string iface_name = iface.label.substr(target.name.size() + 1);
    context.how_reached =
        fmt::format("traffic from other containers arrives on its {} ({})", iface_name, address.to_string());
    context.closed_lead = fmt::format("Nothing in {} listens on {}", container_phrase(target),
                                      protocol_port(m_q.protocol, m_q.port));
    context.other_port_fix = [target = m_q.target.text](std::uint16_t app_port) {
      return fmt::format("Dial {}:{}, the port the app listens on.", target, app_port);
    };
    const Protocol other = m_q.protocol == Protocol::tcp ? Protocol::udp : Protocol::tcp;
    context.other_protocol_fix =
        fmt::format("Dial {}:{} over {}.", m_q.target.text, m_q.port, to_string(other));
    judge_app(m_w, check, context);
    m_w.finish(check.listener != nullptr
                   ? fmt::format("{} reaches {}:{}: {} listens on {} in {}.", container_phrase(m_client),
                                 m_q.target.text, m_q.port, describe_owners(*check.listener),
                                 describe_bind(*check.listener), container_phrase(target))
                   : std::string());
  }

  /// The client dials the host-side half of -p HOST:CONTAINER.
  bool host_port_used_internally(const Container& target) {
    const auto& bindings = target.state.running ? target.actual : target.intended;
    const auto it = std::find_if(bindings.begin(), bindings.end(), [&](const PortBinding& b) {
      return b.protocol == m_q.protocol && b.host_port == m_q.port && b.container_port != m_q.port;
    });
    if (it == bindings.end()) {
      return false;
    }
    m_w.fail(
        fmt::format("nothing listens on {}", protocol_port(m_q.protocol, m_q.port)),
        fmt::format("{} is the host side of -p {}:{}", m_q.port, it->host_port, it->container_port),
        {Verdict::host_port_used_internally,
         fmt::format("{} dials {}:{}, but {} is the host-side port of {}'s -p {}:{}; between "
                     "containers traffic goes straight to the container port, and nothing "
                     "in {} listens on {}.",
                     container_phrase(m_client), m_q.target.text, m_q.port, m_q.port, quoted(target.name),
                     it->host_port, it->container_port, quoted(target.name), m_q.port),
         fmt::format("Dial {}:{} (the container port); the published port {} is for clients "
                     "outside Docker's networks.",
                     m_q.target.text, it->container_port, m_q.port)});
    return true;
  }

  const Query& m_q;
  const Facts& m_f;
  const Engine& m_engine;
  const Container& m_client;
  Diagnosis& m_d;
  Walk m_w;
};

}  // namespace

Diagnosis diagnose_from_container(const Query& q, const Facts& facts) {
  Diagnosis d;
  const Container* client = facts.engine ? look_up_container(*facts.engine, q.from->text).found : nullptr;
  if (client == nullptr) {
    // read_host() refuses unknown clients; a replayed snapshot may not.
    d.verdict = Verdict::name_not_resolvable;
    d.summary = fmt::format("No container is named {}.", quoted(q.from->text));
    return d;
  }
  ContainerPath(q, facts, *client, d).run();
  return d;
}

}  // namespace whyno::detail
