// A client on this host, or on another machine, dials ADDRESS:PORT:
// host port -> DNAT or docker-proxy -> (forwarding) -> the container's
// interface -> the app's socket.

#include <algorithm>

#include <fmt/format.h>

#include "firewall_hop.hpp"
#include "core/firewall/host_firewalls.hpp"
#include "core/firewall/rule_origin.hpp"
#include "host_context.hpp"
#include "host_path.hpp"
#include "host_service.hpp"
#include "macvlan_hop.hpp"
#include "app_hop.hpp"
#include "container_view.hpp"
#include "state_problem.hpp"
#include "publication.hpp"
#include "docker_proxy.hpp"
#include "whyno/core/plan/container_lookup.hpp"
#include "whyno/model/listeners.hpp"
#include "rootless_forward.hpp"
#include "routing.hpp"
#include "spread_endpoints.hpp"
#include "whyno/util/words.hpp"

namespace whyno::detail {

namespace {

/// Where the host sends traffic for the port, as the kernel sees it.
struct Forward {
  // dnat: a rule rewrote the destination; proxy: docker-proxy dials on;
  // direct: the client dialled a container's own address; rootlessport:
  // podman's forwarder dials from inside the container's namespace.
  enum class Via { dnat, proxy, direct, rootlessport } via = Via::dnat;
  IpAddress address;
  std::uint16_t port = 0;
  const nf::Rule* rule = nullptr;            // via dnat
  const Listener* listener = nullptr;        // via proxy and rootlessport
  const Publication* publication = nullptr;  // via rootlessport: the engine's binding
};

const Listener* host_listener(const Facts& f, const Query& q, const IpAddress& destination) {
  for (const auto& l : f.host.listeners) {
    if (accepts(l, q.protocol, destination, q.port)) {
      return &l;
    }
  }
  return nullptr;
}

class HostPath {
 public:
  HostPath(const Query& q, const Facts& f, const IpAddress& destination,
           const std::optional<RemoteClient>& remote, Diagnosis& d)
      : m_h(q, f, destination, remote), m_d(d), m_w(d, q.explain) {}

  void run() {
    note_publications();
    if (m_h.remote) {
      m_w.ok(m_h.remote->label, m_h.remote->interface ? fmt::format("arrives on {}", *m_h.remote->interface)
                                                      : std::string("arrival interface unknown"));
    }
    if (!find_forward()) {
      if (m_w.failed()) {
        m_w.finish({});  // dropped on the way in (raw PREROUTING, say)
        return;
      }
      if (const Attachment direct = direct_target(); direct.container != nullptr) {
        m_forward = Forward{Forward::Via::direct, m_h.destination, m_h.q.port, nullptr, nullptr};
        follow_direct(direct);
        return;
      }
      if (m_listener != nullptr) {
        if (const ForwarderNamespace* inside = rootlesskit_namespace(m_h.f, *m_listener)) {
          walk_through_rootlesskit(m_h, m_w, m_d, *m_listener, *inside);
          return;
        }
      }
      const bool host_service = asks_for_host_service(m_h);
      if (host_service && judge_host_service(m_h, m_w)) {
        return;
      }
      explain_no_forward(m_h, m_w, m_listener);
      m_w.finish({});
      if (host_service) {
        say_no_host_service(m_h, m_w.diagnosis());
      }
      return;
    }
    follow_forward();
  }

 private:
  /// One evidence line per binding, its host addresses together (Docker
  /// 20.10 lists 0.0.0.0 and [::] as two bindings).
  void note_publications() {
    std::vector<std::pair<const Publication*, std::vector<std::string>>> lines;
    for (const auto& p : m_h.pubs) {
      const auto same = std::find_if(lines.begin(), lines.end(), [&](const auto& line) {
        const Publication& o = *line.first;
        return o.container == p.container && o.live == p.live && o.binding.protocol == p.binding.protocol &&
               o.binding.container_port == p.binding.container_port;
      });
      if (same == lines.end()) {
        lines.push_back({&p, {host_ip_for_port(p.binding)}});
      } else {
        same->second.push_back(host_ip_for_port(p.binding));
      }
    }
    for (const auto& [p, addresses] : lines) {
      m_d.evidence.push_back(
          fmt::format("engine: {} publishes {} → {} on {}{}", container_phrase(*p->container),
                      p->binding.host_port, protocol_port(p->binding.protocol, p->binding.container_port),
                      join_words(addresses, "and"), p->live ? "" : " (intended; not live)"));
    }
  }

  nf::Packet first_packet() const {
    nf::Packet p;
    p.destination = m_h.destination;
    p.l4proto = ip_protocol_number(m_h.q.protocol);
    p.destination_port = m_h.q.port;
    p.destination_type = is_local_address(m_h.f.host, m_h.destination) ? nf::k_rtn_local : nf::k_rtn_unicast;
    if (m_h.remote) {
      p.source = m_h.remote->address;
      p.input_interface = m_h.remote->interface;
    } else {
      const auto out = route_interface(m_h.f.host, m_h.destination);
      p.source =
          m_h.destination.is_loopback() || out == "lo"
              ? m_h.destination
              : address_on(m_h.f.host, out.value_or(""), m_h.destination.family()).value_or(m_h.destination);
      p.input_interface = "";
      p.output_interface = out;
      p.source_type = nf::k_rtn_local;
    }
    return p;
  }

  std::string flow() const {
    return fmt::format("{} from {} to {}", to_string(m_h.q.protocol),
                       m_h.remote ? m_h.remote->address.to_string() : std::string("this host"), m_h.dialled);
  }

  /// Walks the packet into the host; fills m_forward when something
  /// (DNAT or docker-proxy) carries it on to a container.
  bool find_forward() {
    const nf::Hook hook = m_h.remote ? nf::Hook::prerouting : nf::Hook::output;
    nf::WalkOptions options;
    if (!m_h.remote) {
      options.reroute = [this](const IpAddress& a) { return route_interface(m_h.f.host, a); };
    }
    const nf::HookOutcome entry = walk_firewall(m_w, m_h.f, hook, first_packet(), flow(), options);
    m_packet = entry.packet;
    if (entry.nat && entry.nat->kind == nf::ActionKind::dnat && entry.nat->address) {
      m_forward = Forward{Forward::Via::dnat, m_packet.destination, m_packet.destination_port,
                          entry.nat->rule, nullptr};
      if (entry.more_random_branches) {
        m_spread = spread_endpoints(nf::walk_every_branch(m_h.f.ruleset, hook, first_packet(), options));
      }
      const nf::Rule& r = *entry.nat->rule;
      m_d.evidence.push_back(rule_evidence(r, m_h.f));
      note_rule(m_d, r, m_h.f);
      if (m_h.remote) {
        note_input_only_drops(
            m_d, m_h.f, first_packet(),
            fmt::format("{}:{}", m_packet.destination.to_string_for_port(), m_packet.destination_port));
      }
      return true;
    }
    if (!is_local_address(m_h.f.host, m_h.destination)) {
      if (m_h.remote) {
        note_forward_drop();
      }
      return false;
    }
    // Delivered locally: the INPUT hook, then whoever listens on the host.
    nf::Packet input = m_packet;
    input.input_interface = m_h.remote ? m_h.remote->interface : std::optional<std::string>("lo");
    input.output_interface = std::nullopt;
    const bool flushed = flushed_by_firewalld(input);
    walk_firewall(m_w, m_h.f, nf::Hook::input, input, flow());  // firewalld's reject: "also"
    if (flushed) {
      return false;
    }
    m_listener = host_listener(m_h.f, m_h.q, m_h.destination);
    if (m_listener == nullptr) {
      return false;
    }
    // A host socket takes the connection past any drop of INPUT: a client's
    // connect() succeeds there, so it never tries its next address.
    m_d.connection_accepted = !m_w.failed();
    const auto proxy = proxy_forward(*m_listener, m_h.f.host_owner);
    if (!proxy) {
      return rootlessport_forward();
    }
    m_forward = Forward{Forward::Via::proxy, proxy->container_ip, proxy->container_port, nullptr, m_listener};
    m_d.evidence.push_back(fmt::format("kernel: {} listens on {} and forwards to {}:{}",
                                       describe_owners(*m_listener), describe_bind(*m_listener),
                                       proxy->container_ip.to_string_for_port(), proxy->container_port));
    return true;
  }

  /// A remote client's packet to an address that is not the host's, and
  /// that no DNAT rewrote, is routed on: a rule of FORWARD that drops or
  /// rejects it is the answer (a Kubernetes Service with no endpoints, a
  /// client outside a load balancer's source ranges). Recorded only then:
  /// otherwise the path is explained as unforwarded.
  void note_forward_drop() {
    nf::Packet p = m_packet;
    p.output_interface = route_interface(m_h.f.host, p.destination);
    const nf::HookOutcome out = nf::walk_hook(m_h.f.ruleset, nf::Hook::forward, p);
    if (out.kind != nf::HookOutcome::Kind::accepted && out.rule != nullptr) {
      walk_firewall(m_w, m_h.f, nf::Hook::forward, p, flow());
    }
  }

  /// podman's rootlessport holds the port for a container of a rootless
  /// engine: it dials the container's address from inside its namespace.
  bool rootlessport_forward() {
    const auto forwarder =
        std::find_if(m_listener->owners.begin(), m_listener->owners.end(), is_rootlessport);
    if (forwarder == m_listener->owners.end()) {
      return false;
    }
    // rootlessport speaks for its user's containers only.
    const Publication* p = m_h.publication_where([&](const Publication& pub) {
      const EngineIdentity* engine = m_h.f.engine ? engine_of(*m_h.f.engine, *pub.container) : nullptr;
      return pub.live && pub.container->state.running && pub.binding.protocol == m_h.q.protocol &&
             host_ip_covers(pub.binding.host_ip, m_h.destination) && engine != nullptr &&
             engine->kind == "podman" && engine->rootless && runs_as(*forwarder, pub.container->engine_uid);
    });
    if (p == nullptr) {
      return false;
    }
    const auto child = rootlessport_child_address(m_h.f, *p->container);
    if (!child) {
      return false;  // its namespace was not read: explain_rootless says so
    }
    m_forward =
        Forward{Forward::Via::rootlessport, *child, p->binding.container_port, nullptr, m_listener, p};
    m_d.evidence.push_back(fmt::format("kernel: {} listens on {} and dials {}:{} from inside {}'s namespace",
                                       describe_owners(*m_listener), describe_bind(*m_listener),
                                       child->to_string_for_port(), p->binding.container_port,
                                       container_phrase(*p->container)));
    return true;
  }

  /// Docker publishes the port to other machines, but no DNAT rule carries
  /// it and firewalld's INPUT takes the packet instead: firewalld's start or
  /// reload flushed Docker's rules. Fails the hop (nothing-published) and
  /// returns true then.
  bool flushed_by_firewalld(const nf::Packet& input) {
    const HostFirewalls firewalls = host_firewalls(m_h.f.ruleset);
    const bool iptables = m_h.f.engine && m_h.f.engine->config.iptables;
    if (!m_h.remote || !firewalls.firewalld || !iptables) {
      return false;
    }
    const Publication* published = m_h.publication_where([&](const Publication& p) {
      return p.live && p.binding.protocol == m_h.q.protocol &&
             host_ip_covers(p.binding.host_ip, m_h.destination);
    });
    if (published == nullptr ||
        nf::walk_hook(m_h.f.ruleset, nf::Hook::input, input).kind == nf::HookOutcome::Kind::accepted) {
      return false;  // nothing published, or docker-proxy still gets it
    }
    explain_missing_rules(m_h, m_w, *published, true);
    return true;
  }

  /// The container whose own address the client dialled, when it is not
  /// an address of this host: the packet is routed to the bridge.
  Attachment direct_target() const {
    if (!m_h.f.engine || is_local_address(m_h.f.host, m_h.destination)) {
      return {};
    }
    return container_with_address(*m_h.f.engine, m_h.destination);
  }

  void follow_direct(const Attachment& target) {
    const Container& c = *target.container;
    const Network* network = m_h.f.engine ? network_of(*m_h.f.engine, *target.network) : nullptr;
    show_container(m_d, m_h.f, c);
    if (network != nullptr && is_macvlan_like(*network)) {
      if (!macvlan_hop(m_w, m_h.f, m_h.q, c, *network, m_h.destination, m_h.remote.has_value())) {
        m_w.finish({});
        return;
      }
    } else {
      m_w.ok(fmt::format("route to {} ({})", m_h.destination.to_string(), container_phrase(c)),
             fmt::format("network {}", target.network->name));
      cross_to_container(c, target);
    }
    if (auto problem = not_running_problem(c, fmt::format("nothing in it answers on {}", m_h.q.port))) {
      m_w.fail(fmt::format("{} {}", c.name, state_phrase(c)), c.state.status, *problem);
    }
    judge_container(c);
  }

  /// A forward to an address no container has, while a container that
  /// publishes the port is not running: in a restart loop its proxy or rule
  /// outlives its address between two runs (or comes before the next one).
  /// Its state, not a stale rule, is what to report.
  bool forward_outlives_publisher(const std::string& label) {
    const Publication* p = m_h.publication_where([&](const Publication& pub) {
      return pub.binding.protocol == m_h.q.protocol && not_running_problem(*pub.container, "").has_value();
    });
    if (p == nullptr) {
      return false;
    }
    const Container& c = *p->container;
    show_container(m_d, m_h.f, c);
    m_w.fail(label, fmt::format("{} {}", container_phrase(c), state_phrase(c)),
             *not_running_problem(c, fmt::format("nothing serves host port {}", m_h.q.port)));
    m_w.finish({});
    return true;
  }

  void follow_forward() {
    const Forward& fw = *m_forward;
    m_w.ok(fmt::format("host :{}", m_h.q.port),
           fw.via == Forward::Via::proxy || fw.via == Forward::Via::rootlessport
               ? fmt::format("{} listens on {}", describe_owners(*fw.listener), describe_bind(*fw.listener))
               : fmt::format("nat rule in {}", nf::describe_chain(fw.rule->backend, fw.rule->family,
                                                                  fw.rule->table, fw.rule->chain)));
    if (fw.via == Forward::Via::rootlessport) {
      follow_rootlessport();
      return;
    }
    const std::string label =
        fmt::format("{} {}:{}", fw.via == Forward::Via::dnat ? "DNAT" : "docker-proxy →",
                    fw.address.to_string_for_port(), fw.port);
    const Attachment target = m_h.f.engine ? container_with_address(*m_h.f.engine, fw.address) : Attachment{};
    if (target.container == nullptr) {
      if (forward_outlives_publisher(label)) {
        return;
      }
      m_d.disagreements.push_back(
          fmt::format("host port {} is forwarded to {}:{}, but no container has that address (a stale rule?)",
                      m_h.q.port, fw.address.to_string_for_port(), fw.port));
      m_w.fail(label, "no container has this address",
               {Verdict::container_port_closed,
                fmt::format("Host port {} is forwarded to {}:{}, which no container holds.", m_h.q.port,
                            fw.address.to_string_for_port(), fw.port),
                "Restart the container that should publish the port, or restart dockerd to "
                "rewrite its rules."});
      m_w.finish({});
      return;
    }
    const Container& c = *target.container;
    if (m_h.meant != nullptr && m_h.meant != &c) {
      m_d.connection_accepted = true;  // the client talks to the other container's app
      show_container(m_d, m_h.f, *m_h.meant);
      m_w.fail(fmt::format("{} ({})", label, container_phrase(c)), fmt::format("not {}", m_h.meant->name),
               {Verdict::host_port_conflict,
                fmt::format("Host port {} belongs to {}, not {}: {} reaches {}'s app.", m_h.q.port,
                            container_phrase(c), container_phrase(*m_h.meant), m_h.dialled, quoted(c.name)),
                fmt::format("Stop {} or move it to another port, or publish {} on a free port "
                            "(e.g. -p {}:{}).",
                            quoted(c.name), quoted(m_h.meant->name), m_h.q.port + 1,
                            m_h.app_port_text(*m_h.meant))});
      m_w.finish({});
      return;
    }
    note_disagreements(c);
    m_w.ok(fmt::format("{} ({})", label, container_phrase(c)),
           fmt::format("network {}", target.network->name));
    show_container(m_d, m_h.f, c);
    cross_to_container(c, target);
    if (auto problem = not_running_problem(c, fmt::format("nothing in it answers on {}", fw.port))) {
      m_w.fail(fmt::format("{} {}", c.name, state_phrase(c)), c.state.status, *problem);
    }
    judge_container(c);
  }

  /// rootlessport's child runs in the container's namespace: no host
  /// firewall or bridge lies between it and the app.
  void follow_rootlessport() {
    const Forward& fw = *m_forward;
    const Container& c = *fw.publication->container;
    const EngineIdentity* engine = engine_of(*m_h.f.engine, c);
    const std::string forwarder = engine != nullptr && engine->uid
                                      ? fmt::format("rootlessport (uid {})", *engine->uid)
                                      : std::string("rootlessport");
    note_disagreements(c);
    m_w.ok(fmt::format("{} → {}:{} ({})", forwarder, fw.address.to_string_for_port(), fw.port,
                       container_phrase(c)),
           fmt::format("{}, inside the container's namespace",
                       c.network_mode.empty() ? "rootless network" : c.network_mode));
    show_container(m_d, m_h.f, c);
    judge_container(c);
  }

  /// Between the host and the container's interface: forwarding and the
  /// filter hooks on the way.
  void cross_to_container(const Container& c, const Attachment& target) {
    const Forward& fw = *m_forward;
    const auto bridge = route_interface(m_h.f.host, fw.address);
    const std::string to = fmt::format("{} to {}:{} ({})", to_string(m_h.q.protocol),
                                       fw.address.to_string_for_port(), fw.port, container_phrase(c));
    if (fw.via == Forward::Via::proxy) {
      // docker-proxy dials the container from the host: a fresh connection.
      nf::Packet p;
      p.destination = fw.address;
      p.destination_port = fw.port;
      p.l4proto = ip_protocol_number(m_h.q.protocol);
      p.source = address_on(m_h.f.host, bridge.value_or(""), fw.address.family()).value_or(fw.address);
      p.source_type = nf::k_rtn_local;
      p.input_interface = "";
      p.output_interface = bridge;
      walk_firewall(m_w, m_h.f, nf::Hook::output, p, "docker-proxy's " + to);
    } else if (!m_h.remote && fw.via == Forward::Via::dnat && m_h.destination.is_loopback() &&
               m_h.destination.is_v4() && !fw.address.is_loopback()) {
      // 127.0.0.1 DNATed away: the source stays 127.0.0.1 until POSTROUTING.
      check_route_localnet(m_w, m_h.f, bridge, m_h.dialled, fw.address, fw.port);
    } else if (m_h.remote) {
      // DNAT or direct: the packet is routed from the arrival interface.
      check_forwarding(m_w, m_h.f, m_h.remote->interface, bridge);
      nf::Packet p = m_packet;
      p.output_interface = bridge;
      walk_firewall(m_w, m_h.f, nf::Hook::forward, p,
                    fmt::format("{} from {}", to, m_h.remote->address.to_string()));
    }
    (void)target;
  }

  void judge_container(const Container& c) {
    const Forward& fw = *m_forward;
    const NetnsFacts* ns = netns_of(m_h.f, c);
    Hop iface = interface_hop(ns, c, fw.address);
    const std::string iface_name = iface.label.substr(c.name.size() + 1);
    if (iface.state == HopState::failed) {
      m_w.fail(iface.label, iface.detail,
               {Verdict::container_port_closed,
                fmt::format("{}'s interface {} is down.", container_phrase(c), iface_name),
                fmt::format("Restart {}.", quoted(c.name))});
    } else if (iface.state == HopState::unknown) {
      m_w.unknown(iface.label, iface.detail);
    } else {
      m_w.ok(iface.label, iface.detail);
    }
    if (ns == nullptr) {
      unknown_app_hop(m_w, m_h.f, c);
      m_w.finish(fmt::format("{} is forwarded to {}, whose sockets could not be read.", m_h.dialled,
                             container_phrase(c)));
      return;
    }
    const AppCheck check = check_app(ns->listeners, m_h.q.protocol, fw.address, fw.port);
    AppContext context;
    context.container = &c;
    context.netns = ns;
    context.engine = m_h.f.engine ? &*m_h.f.engine : nullptr;
    context.protocol = m_h.q.protocol;
    context.address = fw.address;
    context.port = fw.port;
    context.somaxconn = m_h.f.sysctls.somaxconn;
    context.collected_at = m_h.f.collected_at;
    const Protocol other = m_h.q.protocol == Protocol::tcp ? Protocol::udp : Protocol::tcp;
    if (fw.via == Forward::Via::direct) {
      context.how_reached = fmt::format("the client dials the {}'s {} ({}) directly", unit_word(c),
                                        iface_name, fw.address.to_string());
      context.closed_lead = fmt::format("Nothing in {} listens on {}", container_phrase(c),
                                        protocol_port(m_h.q.protocol, fw.port));
      context.other_port_fix = [address = fw.address](std::uint16_t app_port) {
        return fmt::format("Dial {}:{}, the port the app listens on.", address.to_string_for_port(),
                           app_port);
      };
      context.other_protocol_fix = fmt::format("Dial it over {}.", to_string(other));
    } else {
      context.how_reached =
          fmt::format("{} forwards traffic to the container's {} ({})",
                      fw.via == Forward::Via::rootlessport ? "podman's rootlessport" : "port mapping",
                      iface_name, fw.address.to_string());
      context.closed_lead =
          fmt::format("Host port {} is forwarded to port {} in {}, but nothing listens on {} there",
                      m_h.q.port, fw.port, container_phrase(c), protocol_port(m_h.q.protocol, fw.port));
      context.other_port_fix = [name = quoted(c.name), host_port = m_h.q.port,
                                forwarded = fw.port](std::uint16_t app_port) {
        return fmt::format(
            "Publish the port the app listens on: re-create {} with -p {}:{} (or "
            "make the app listen on {}).",
            name, host_port, app_port, forwarded);
      };
      context.other_port_commands = [&c, host_port = m_h.q.port,
                                     protocol = m_h.q.protocol](std::uint16_t app_port) {
        return republish_commands(c, host_port, app_port, protocol);
      };
      context.other_protocol_fix =
          fmt::format("Publish the protocol the app speaks: -p {}:{}/{}, and dial it over {}.", m_h.q.port,
                      fw.port, to_string(other), to_string(other));
    }
    judge_app(m_w, check, context);
    judge_other_endpoints(m_w, m_h.f, m_h.q.protocol, m_spread);
    const std::string who =
        m_h.remote ? fmt::format("from {}", m_h.remote->address.to_string()) : std::string("from this host");
    m_w.finish(check.listener != nullptr
                   ? fmt::format("{} {} reaches the app in {}: {} listens on {}.", m_h.dialled, who,
                                 app_where(check.listener, context), describe_owners(*check.listener),
                                 describe_bind(*check.listener))
                   : std::string());
  }

  void note_disagreements(const Container& c) {
    const Forward& fw = *m_forward;
    const bool engine_agrees = m_h.publication_where([&](const Publication& p) {
      return p.container == &c && p.binding.container_port == fw.port;
    }) != nullptr;
    const EngineIdentity* engine = m_h.f.engine ? engine_of(*m_h.f.engine, c) : nullptr;
    if (engine_agrees || (engine != nullptr && engine->from_files) ||
        c.kind == Container::Kind::namespace_only) {
      // An engine read from its files lists no bindings, and no engine
      // knows a namespace found by the packet (a pod, ip netns): nothing to compare.
      return;
    }
    if (const Publication* p =
            m_h.publication_where([&](const Publication& pub) { return pub.container == &c; })) {
      m_d.disagreements.push_back(fmt::format(
          "the engine says {} publishes {} to container port {}, but the kernel forwards to port {}",
          container_phrase(c), m_h.q.port, p->binding.container_port, fw.port));
    } else {
      m_d.disagreements.push_back(
          fmt::format("the kernel forwards host port {} to {}, but the engine does not list this binding",
                      m_h.q.port, container_phrase(c)));
    }
  }

  HostContext m_h;
  Diagnosis& m_d;
  Walk m_w;
  nf::Packet m_packet;
  std::optional<Forward> m_forward;
  std::vector<SpreadEndpoint> m_spread;  // a Service's endpoints, the first m_forward's
  const Listener* m_listener = nullptr;
};

}  // namespace

Diagnosis diagnose_host(const Query& q, const Facts& facts, const IpAddress& destination,
                        const std::optional<RemoteClient>& remote) {
  Diagnosis d;
  HostPath(q, facts, destination, remote, d).run();
  return d;
}

}  // namespace whyno::detail
