// A client on this host, or on another machine, dials ADDRESS:PORT:
// host port -> DNAT or docker-proxy -> (forwarding) -> the container's
// interface -> the app's socket.

#include <algorithm>

#include <fmt/format.h>

#include "firewall.hpp"
#include "paths.hpp"
#include "publication.hpp"
#include "whyno/core/docker_proxy.hpp"
#include "whyno/core/engine_lookup.hpp"
#include "whyno/core/listeners.hpp"
#include "whyno/core/routing.hpp"
#include "whyno/core/words.hpp"

namespace whyno::detail {

namespace {

/// Where the host sends traffic for the port, as the kernel sees it.
struct Forward {
  enum class Via { dnat, proxy } via = Via::dnat;
  IpAddress address;
  std::uint16_t port = 0;
  const nf::Rule* rule = nullptr;      // via dnat
  const Listener* listener = nullptr;  // via proxy
};

bool is_engine_process(const ProcessRef& p) {
  return p.comm == "docker-proxy" || p.comm == "dockerd" || p.comm == "conmon" ||
         p.comm == "rootlessport";
}

bool owned_by_engine(const Listener& l) {
  return !l.owners.empty() && std::all_of(l.owners.begin(), l.owners.end(), is_engine_process);
}

const Listener* host_listener(const Facts& f, const Query& q, const IpAddress& destination) {
  for (const auto& l : f.host.listeners) {
    if (accepts(l, q.protocol, destination, q.port)) {
      return &l;
    }
  }
  return nullptr;
}

/// Any host socket on the port, whatever its address: who holds it.
const Listener* port_holder(const Facts& f, const Query& q) {
  for (const auto& l : f.host.listeners) {
    if (l.protocol == q.protocol && l.port == q.port) {
      return &l;
    }
  }
  return nullptr;
}

bool is_port_conflict_error(const std::string& error) {
  return error.find("already allocated") != std::string::npos ||
         error.find("address already in use") != std::string::npos;
}

class HostPath {
 public:
  HostPath(const Query& q, const Facts& f, const IpAddress& destination,
           const std::optional<RemoteClient>& remote, Diagnosis& d)
      : m_q(q), m_f(f), m_destination(destination), m_remote(remote), m_d(d), m_w(d),
        m_pubs(publications_of(f, q.port)) {
    // As the user typed it, with the address it means when that was a name.
    const bool literal = IpAddress::parse(q.address) || q.address.starts_with('[');
    m_dialled = literal ? fmt::format("{}:{}", destination.to_string_for_port(), q.port)
                        : fmt::format("{}:{} ({})", q.address, q.port, destination.to_string());
    if (q.container && f.engine) {
      m_meant = find_container(*f.engine, *q.container);
    }
  }

  void run() {
    note_publications();
    if (m_remote) {
      m_w.ok(m_remote->label,
             m_remote->interface ? fmt::format("arrives on {}", *m_remote->interface)
                                 : std::string("arrival interface unknown"));
    }
    if (!find_forward()) {
      explain_no_forward();
      m_w.finish({});
      return;
    }
    follow_forward();
  }

 private:
  /// One evidence line per binding, its host addresses together (Docker
  /// 20.10 lists 0.0.0.0 and [::] as two bindings).
  void note_publications() {
    std::vector<std::pair<const Publication*, std::vector<std::string>>> lines;
    for (const auto& p : m_pubs) {
      const auto same = std::find_if(lines.begin(), lines.end(), [&](const auto& line) {
        const Publication& o = *line.first;
        return o.container == p.container && o.live == p.live &&
               o.binding.protocol == p.binding.protocol &&
               o.binding.container_port == p.binding.container_port;
      });
      if (same == lines.end()) {
        lines.push_back({&p, {host_ip_for_port(p.binding)}});
      } else {
        same->second.push_back(host_ip_for_port(p.binding));
      }
    }
    for (const auto& [p, addresses] : lines) {
      m_d.evidence.push_back(fmt::format(
          "engine: {} publishes {} → {} on {}{}", container_phrase(*p->container),
          p->binding.host_port, protocol_port(p->binding.protocol, p->binding.container_port),
          join_words(addresses, "and"), p->live ? "" : " (intended; not live)"));
    }
  }

  nf::Packet first_packet() const {
    nf::Packet p;
    p.destination = m_destination;
    p.l4proto = ip_protocol_number(m_q.protocol);
    p.destination_port = m_q.port;
    p.destination_type = is_local_address(m_f.host, m_destination) ? nf::k_rtn_local : nf::k_rtn_unicast;
    if (m_remote) {
      p.source = m_remote->address;
      p.input_interface = m_remote->interface;
    } else {
      const auto out = route_interface(m_f.host, m_destination);
      p.source = m_destination.is_loopback() || out == "lo"
                     ? m_destination
                     : address_on(m_f.host, out.value_or(""), m_destination.family()).value_or(m_destination);
      p.input_interface = "";
      p.output_interface = out;
      p.source_type = nf::k_rtn_local;
    }
    return p;
  }

  std::string flow() const {
    return fmt::format("{} from {} to {}", to_string(m_q.protocol),
                       m_remote ? m_remote->address.to_string() : std::string("this host"), m_dialled);
  }

  /// Walks the packet into the host; fills m_forward when something
  /// (DNAT or docker-proxy) carries it on to a container.
  bool find_forward() {
    const nf::Hook hook = m_remote ? nf::Hook::prerouting : nf::Hook::output;
    nf::WalkOptions options;
    if (!m_remote) {
      options.reroute = [this](const IpAddress& a) { return route_interface(m_f.host, a); };
    }
    const nf::HookOutcome entry = walk_firewall(m_w, m_f, hook, first_packet(), flow(), options);
    m_packet = entry.packet;
    if (entry.nat && entry.nat->kind == nf::ActionKind::dnat && entry.nat->address) {
      m_forward = Forward{Forward::Via::dnat, m_packet.destination, m_packet.destination_port,
                          entry.nat->rule, nullptr};
      const nf::Rule& r = *entry.nat->rule;
      m_d.evidence.push_back(fmt::format("kernel: {}: {}",
                                         nf::describe_chain(r.backend, r.family, r.table, r.chain),
                                         nf::describe(r)));
      return true;
    }
    if (!is_local_address(m_f.host, m_destination)) {
      return false;
    }
    // Delivered locally: the INPUT hook, then whoever listens on the host.
    nf::Packet input = m_packet;
    input.input_interface = m_remote ? m_remote->interface : std::optional<std::string>("lo");
    input.output_interface = std::nullopt;
    walk_firewall(m_w, m_f, nf::Hook::input, input, flow());
    m_listener = host_listener(m_f, m_q, m_destination);
    if (m_listener == nullptr) {
      return false;
    }
    const auto proxy = proxy_forward(*m_listener);
    if (!proxy) {
      return false;
    }
    m_forward = Forward{Forward::Via::proxy, proxy->container_ip, proxy->container_port, nullptr,
                        m_listener};
    m_d.evidence.push_back(fmt::format("kernel: {} listens on {} and forwards to {}:{}",
                                       describe_owners(*m_listener), describe_bind(*m_listener),
                                       proxy->container_ip.to_string_for_port(),
                                       proxy->container_port));
    return true;
  }

  const Publication* publication_where(auto predicate) const {
    const auto it = std::find_if(m_pubs.begin(), m_pubs.end(), predicate);
    return it == m_pubs.end() ? nullptr : &*it;
  }

  /// The container the user most likely means for this port.
  const Container* meant_container() const {
    if (m_meant != nullptr) {
      return m_meant;
    }
    if (const Publication* p = publication_where([&](const Publication& pub) {
          return pub.binding.protocol == m_q.protocol && host_ip_covers(pub.binding.host_ip, m_destination);
        })) {
      return p->container;
    }
    return nullptr;
  }

  /// The container port `c`'s app serves on, as text for a -p example.
  std::string app_port_text(const Container& c) const {
    for (const auto& b : c.intended) {
      if (b.protocol == m_q.protocol && b.container_port != 0) {
        return std::to_string(b.container_port);
      }
    }
    for (const auto& l : container_listeners(m_f, c)) {
      if (l.protocol == m_q.protocol && !l.address.is_loopback() && l.address != *IpAddress::parse("127.0.0.11")) {
        return std::to_string(l.port);
      }
    }
    for (const auto& e : c.exposed) {
      if (e.protocol == m_q.protocol) {
        return std::to_string(e.port);
      }
    }
    return "<container port>";
  }

  void fail_host_port(const std::string& detail, Problem problem) {
    m_w.fail(fmt::format("host :{}", m_q.port), detail, std::move(problem));
  }

  /// Nothing carries the packet on to a container. Say why, most specific
  /// cause first.
  void explain_no_forward() {
    const std::string what = protocol_port(m_q.protocol, m_q.port);
    const Listener* holder = m_listener != nullptr ? m_listener : port_holder(m_f, m_q);
    const Container* meant = meant_container();

    // A container that could not start because the port was taken: name the
    // owner, which says more than "not running".
    if (meant != nullptr && meant->state.status == "created" &&
        is_port_conflict_error(meant->state.error)) {
      show_container(m_d, m_f, *meant);
      explain_start_conflict(*meant, holder);
      return;
    }
    if (holder != nullptr && !owned_by_engine(*holder) && m_listener != nullptr) {
      const std::string owner = describe_owners(*holder);
      std::string lost = meant != nullptr
                             ? fmt::format(", so {} never gets the traffic", container_phrase(*meant))
                             : std::string();
      fail_host_port(fmt::format("{} listens on {}", owner, describe_bind(*holder)),
                     {Verdict::host_port_conflict,
                      fmt::format("{} reaches {} on the host, not a container: it listens on {}{}.",
                                  m_dialled, owner, describe_bind(*holder), lost),
                      fmt::format("Stop or move {} (it owns port {}), or publish the container "
                                  "on a free port, e.g. -p {}:<container port>.",
                                  owner, m_q.port, m_q.port + 1)});
      return;
    }
    if (meant != nullptr) {
      show_container(m_d, m_f, *meant);
      const std::string nothing_serves = fmt::format("nothing serves host port {}", m_q.port);
      if (auto problem = not_running_problem(*meant, nothing_serves)) {
        fail_host_port(fmt::format("{} {}", container_phrase(*meant), state_phrase(*meant)), *problem);
        return;
      }
      if (auto problem = crash_loop_problem(*meant, m_f.collected_at, nothing_serves)) {
        fail_host_port(fmt::format("{} keeps restarting", container_phrase(*meant)), *problem);
        return;
      }
      if (shares_host_network(*meant)) {
        explain_host_network(*meant);
        return;
      }
      if (has_no_network(*meant)) {
        fail_host_port(fmt::format("{} has no network", container_phrase(*meant)),
                       {Verdict::no_network,
                        fmt::format("{} runs with --network none: it has only a loopback "
                                    "interface, so -p {} was ignored and nothing can reach it.",
                                    container_phrase(*meant), m_q.port),
                        fmt::format("Re-create {} on a network (drop --network none) to publish "
                                    "its port.",
                                    quoted(meant->name))});
        return;
      }
    }
    // Published for the other protocol, or on another host address?
    const Publication* other_protocol = publication_where([&](const Publication& p) {
      return p.binding.protocol != m_q.protocol;
    });
    const Publication* same_protocol = publication_where([&](const Publication& p) {
      return p.binding.protocol == m_q.protocol;
    });
    if (same_protocol == nullptr && other_protocol != nullptr) {
      const auto& b = other_protocol->binding;
      fail_host_port(fmt::format("published for {} only", to_string(b.protocol)),
                     {Verdict::protocol_mismatch,
                      fmt::format("{} publishes host port {} for {} only, but the client dials {}.",
                                  container_phrase(*other_protocol->container), m_q.port,
                                  to_string(b.protocol), to_string(m_q.protocol)),
                      fmt::format("Dial it over {} (whyno-port {}/{}), or publish {} as well: "
                                  "-p {}:{}/{}.",
                                  to_string(b.protocol), m_q.port, to_string(b.protocol),
                                  to_string(m_q.protocol), m_q.port, b.container_port,
                                  to_string(m_q.protocol))});
      return;
    }
    if (same_protocol != nullptr && !host_ip_covers(same_protocol->binding.host_ip, m_destination)) {
      explain_address_mismatch(*same_protocol);
      return;
    }
    if (same_protocol != nullptr) {
      explain_missing_rules(*same_protocol);
      return;
    }
    explain_unpublished(m_q, m_f, m_w);
    if (holder != nullptr && owned_by_engine(*holder) == false) {
      m_d.evidence.push_back(fmt::format("kernel: {} holds {} on the host", describe_owners(*holder),
                                         describe_bind(*holder)));
    }
  }

  void explain_start_conflict(const Container& c, const Listener* holder) {
    std::string owner;
    if (holder != nullptr && !owned_by_engine(*holder)) {
      owner = fmt::format("{} on the host", describe_owners(*holder));
    } else if (const Publication* p = publication_where([&](const Publication& pub) {
                 return pub.container != &c && pub.live && pub.binding.protocol == m_q.protocol;
               })) {
      owner = container_phrase(*p->container);
    } else if (holder != nullptr) {
      owner = describe_owners(*holder);
    }
    fail_host_port(owner.empty() ? "already taken" : fmt::format("taken by {}", owner),
                   {Verdict::host_port_conflict,
                    fmt::format("{} could not start: host port {} was already taken{} (\"{}\").",
                                container_phrase(c), m_q.port,
                                owner.empty() ? "" : fmt::format(" by {}", owner), c.state.error),
                    fmt::format("Free port {} (stop {}), or publish {} on another host port, then "
                                "docker start {}.",
                                m_q.port, owner.empty() ? "its owner" : owner, quoted(c.name), c.name)});
  }

  void explain_host_network(const Container& c) {
    std::vector<std::string> where;
    for (const auto& l : container_listeners(m_f, c)) {
      if (l.protocol == m_q.protocol) {
        where.push_back(fmt::format("{} ({})", describe_bind(l), describe_owners(l)));
      }
    }
    const std::string listens =
        where.empty() ? std::string(" Nothing of it listens on the host either.")
                      : fmt::format(" Its app listens on the host at {}.", join_words(where, "and"));
    fail_host_port(fmt::format("{} uses the host's network", container_phrase(c)),
                   {Verdict::host_network,
                    fmt::format("{} runs with --network host, so -p {} was ignored: the container "
                                "shares the host's network and publishes nothing.{}",
                                container_phrase(c), m_q.port, listens),
                    fmt::format("Dial the port the app listens on directly{}, or drop --network "
                                "host and keep -p {}:<container port>.",
                                where.empty() ? std::string() : fmt::format(" ({})", where.front()),
                                m_q.port)});
  }

  void explain_address_mismatch(const Publication& p) {
    const std::string bound = host_ip_text(p.binding);
    const std::string works = fmt::format("{}:{}", IpAddress::parse(bound)
                                                       ? IpAddress::parse(bound)->to_string_for_port()
                                                       : bound,
                                          m_q.port);
    show_container(m_d, m_f, *p.container);
    fail_host_port(fmt::format("published on {} only", works),
                   {Verdict::host_address_mismatch,
                    fmt::format("{} publishes port {} only on {}, but the client dials {}.",
                                container_phrase(*p.container), m_q.port, bound, m_dialled),
                    m_remote
                        ? fmt::format("Publish on every address so other machines reach it: -p "
                                      "{}:{} (or -p 0.0.0.0:{}:{}).",
                                      m_q.port, p.binding.container_port, m_q.port,
                                      p.binding.container_port)
                        : fmt::format("Dial {}, or publish on every address with -p {}:{}.", works,
                                      m_q.port, p.binding.container_port)});
  }

  void explain_missing_rules(const Publication& p) {
    const DaemonConfig* config = m_f.engine ? &m_f.engine->config : nullptr;
    std::string why = "were the firewall rules flushed? restarting dockerd rewrites them";
    if (config != nullptr && !config->iptables && !config->userland_proxy) {
      why = "daemon.json turns off both \"iptables\" and \"userland-proxy\", so Docker publishes nothing";
    } else if (config != nullptr && !config->iptables) {
      why = "daemon.json has \"iptables\": false, so only docker-proxy could carry it, and none listens";
    }
    m_d.disagreements.push_back(fmt::format(
        "the engine says {} publishes {}, but the kernel has no DNAT rule and no docker-proxy for "
        "it ({})",
        container_phrase(*p.container), protocol_port(m_q.protocol, m_q.port), why));
    show_container(m_d, m_f, *p.container);
    fail_host_port("no DNAT rule and no docker-proxy",
                   {Verdict::nothing_published,
                    fmt::format("{} is meant to publish {}, but nothing in the kernel carries it: "
                                "no DNAT rule matches {} and no docker-proxy listens ({}).",
                                container_phrase(*p.container), m_q.port, m_dialled, why),
                    config != nullptr && !config->iptables
                        ? "Turn \"iptables\" (or \"userland-proxy\") back on in daemon.json and restart dockerd."
                        : "Restart dockerd (or the container) so Docker rewrites its rules, and "
                          "find what flushed them (firewalld, nftables.service, iptables -F)."});
  }

  void follow_forward() {
    const Forward& fw = *m_forward;
    m_w.ok(fmt::format("host :{}", m_q.port),
           fw.via == Forward::Via::proxy
               ? fmt::format("{} listens on {}", describe_owners(*fw.listener), describe_bind(*fw.listener))
               : fmt::format("nat rule in {}", nf::describe_chain(fw.rule->backend, fw.rule->family,
                                                                 fw.rule->table, fw.rule->chain)));
    const std::string label = fmt::format("{} {}:{}", fw.via == Forward::Via::dnat ? "DNAT" : "docker-proxy →",
                                          fw.address.to_string_for_port(), fw.port);
    const Attachment target =
        m_f.engine ? container_with_address(*m_f.engine, fw.address) : Attachment{};
    if (target.container == nullptr) {
      m_d.disagreements.push_back(fmt::format(
          "host port {} is forwarded to {}:{}, but no container has that address (a stale rule?)",
          m_q.port, fw.address.to_string_for_port(), fw.port));
      m_w.fail(label, "no container has this address",
               {Verdict::container_port_closed,
                fmt::format("Host port {} is forwarded to {}:{}, which no container holds.", m_q.port,
                            fw.address.to_string_for_port(), fw.port),
                "Restart the container that should publish the port, or restart dockerd to "
                "rewrite its rules."});
      m_w.finish({});
      return;
    }
    const Container& c = *target.container;
    if (m_meant != nullptr && m_meant != &c) {
      show_container(m_d, m_f, *m_meant);
      m_w.fail(fmt::format("{} ({})", label, container_phrase(c)),
               fmt::format("not {}", m_meant->name),
               {Verdict::host_port_conflict,
                fmt::format("Host port {} belongs to {}, not {}: {} reaches {}'s app.", m_q.port,
                            container_phrase(c), container_phrase(*m_meant), m_dialled,
                            quoted(c.name)),
                fmt::format("Stop {} or move it to another port, or publish {} on a free port "
                            "(e.g. -p {}:{}).",
                            quoted(c.name), quoted(m_meant->name), m_q.port + 1,
                            app_port_text(*m_meant))});
      m_w.finish({});
      return;
    }
    note_disagreements(c);
    m_w.ok(fmt::format("{} ({})", label, container_phrase(c)), fmt::format("network {}", target.network->name));
    show_container(m_d, m_f, c);
    cross_to_container(c, target);
    if (auto problem = not_running_problem(c, fmt::format("nothing in it answers on {}", fw.port))) {
      m_w.fail(fmt::format("{} {}", c.name, state_phrase(c)), c.state.status, *problem);
    }
    judge_container(c);
  }

  /// Between the host and the container's interface: forwarding and the
  /// filter hooks on the way.
  void cross_to_container(const Container& c, const Attachment& target) {
    const Forward& fw = *m_forward;
    const auto bridge = route_interface(m_f.host, fw.address);
    const std::string to = fmt::format("{} to {}:{} ({})", to_string(m_q.protocol),
                                       fw.address.to_string_for_port(), fw.port, container_phrase(c));
    if (fw.via == Forward::Via::proxy) {
      // docker-proxy dials the container from the host: a fresh connection.
      nf::Packet p;
      p.destination = fw.address;
      p.destination_port = fw.port;
      p.l4proto = ip_protocol_number(m_q.protocol);
      p.source = address_on(m_f.host, bridge.value_or(""), fw.address.family()).value_or(fw.address);
      p.source_type = nf::k_rtn_local;
      p.input_interface = "";
      p.output_interface = bridge;
      walk_firewall(m_w, m_f, nf::Hook::output, p, "docker-proxy's " + to);
    } else if (m_remote) {
      check_forwarding(m_w, m_f, m_remote->interface, bridge);
      nf::Packet p = m_packet;
      p.output_interface = bridge;
      walk_firewall(m_w, m_f, nf::Hook::forward, p, fmt::format("{} from {}", to, m_remote->address.to_string()));
    }
    (void)target;
  }

  void judge_container(const Container& c) {
    const Forward& fw = *m_forward;
    const NetnsFacts* ns = netns_of(m_f, c);
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
      m_w.unknown("app", "listening sockets not read");
      m_w.finish(fmt::format("{} is forwarded to {}, whose sockets could not be read.", m_dialled,
                             container_phrase(c)));
      return;
    }
    const AppCheck check = check_app(ns->listeners, m_q.protocol, fw.address, fw.port);
    AppContext context;
    context.container = &c;
    context.netns = ns;
    context.protocol = m_q.protocol;
    context.address = fw.address;
    context.port = fw.port;
    context.somaxconn = m_f.sysctls.somaxconn;
    context.how_reached = fmt::format("port mapping forwards traffic to the container's {} ({})",
                                      iface_name, fw.address.to_string());
    context.closed_lead = fmt::format(
        "Host port {} is forwarded to port {} in {}, but nothing listens on {} there", m_q.port,
        fw.port, container_phrase(c), protocol_port(m_q.protocol, fw.port));
    context.other_port_fix = fmt::format(
        "Publish the port the app listens on: re-create {} with -p {}:{{}} (or make the app listen "
        "on {}).",
        quoted(c.name), m_q.port, fw.port);
    const Protocol other = m_q.protocol == Protocol::tcp ? Protocol::udp : Protocol::tcp;
    context.other_protocol_fix = fmt::format(
        "Publish the protocol the app speaks: -p {}:{}/{}, and dial it over {}.", m_q.port, fw.port,
        to_string(other), to_string(other));
    judge_app(m_w, check, context);
    const std::string who = m_remote ? fmt::format("from {}", m_remote->address.to_string())
                                     : std::string("from this host");
    m_w.finish(check.listener != nullptr
                   ? fmt::format("{} {} reaches the app in {}: {} listens on {}.", m_dialled, who,
                                 container_phrase(c), describe_owners(*check.listener),
                                 describe_bind(*check.listener))
                   : std::string());
  }

  void note_disagreements(const Container& c) {
    const Forward& fw = *m_forward;
    const bool engine_agrees = publication_where([&](const Publication& p) {
                                 return p.container == &c && p.binding.container_port == fw.port;
                               }) != nullptr;
    if (engine_agrees) {
      return;
    }
    if (const Publication* p = publication_where([&](const Publication& pub) { return pub.container == &c; })) {
      m_d.disagreements.push_back(fmt::format(
          "the engine says {} publishes {} to container port {}, but the kernel forwards to port {}",
          container_phrase(c), m_q.port, p->binding.container_port, fw.port));
    } else {
      m_d.disagreements.push_back(fmt::format(
          "the kernel forwards host port {} to {}, but the engine does not list this binding",
          m_q.port, container_phrase(c)));
    }
  }

  const Query& m_q;
  const Facts& m_f;
  IpAddress m_destination;
  const std::optional<RemoteClient>& m_remote;
  Diagnosis& m_d;
  Walk m_w;
  std::vector<Publication> m_pubs;
  std::string m_dialled;
  const Container* m_meant = nullptr;
  nf::Packet m_packet;
  std::optional<Forward> m_forward;
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
