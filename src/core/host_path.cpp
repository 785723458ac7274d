// A client on this host dials ADDRESS:PORT: host port -> docker-proxy or
// DNAT -> the container's interface -> the app's socket.

#include <algorithm>

#include <fmt/format.h>

#include "paths.hpp"
#include "whyno/core/docker_proxy.hpp"
#include "whyno/core/engine_lookup.hpp"
#include "whyno/core/listeners.hpp"
#include "whyno/core/packet_walk.hpp"
#include "whyno/core/words.hpp"

namespace whyno::detail {

namespace {

bool is_host_address(const Facts& facts, const IpAddress& a) {
  if (a.is_loopback()) {
    return true;
  }
  for (const auto& i : facts.host.interfaces) {
    for (const auto& ia : i.addresses) {
      if (ia.address == a) {
        return true;
      }
    }
  }
  return false;
}

/// Where the host sends traffic for the published port, as the kernel sees it.
struct Forward {
  enum class Via { dnat, proxy } via = Via::dnat;
  IpAddress address;
  std::uint16_t port = 0;
  const nf::Rule* rule = nullptr;       // via dnat
  const Listener* listener = nullptr;   // via proxy
};

std::optional<Forward> forward_by_dnat(const Facts& facts, const IpAddress& destination,
                                       const Query& q, Diagnosis& d) {
  nf::Packet p;
  p.source = destination;
  p.destination = destination;
  p.l4proto = ip_protocol_number(q.protocol);
  p.destination_port = q.port;
  p.input_interface = "";
  p.output_interface = "lo";  // a local destination routes via lo
  p.source_type = nf::k_rtn_local;
  p.destination_type = nf::k_rtn_local;
  const nf::HookOutcome out = nf::walk_hook(facts.ruleset, nf::Hook::output, p, nf::ChainType::nat);
  for (const nf::Rule* r : out.uncertain) {
    d.evidence.push_back(fmt::format("kernel: could not fully evaluate {}: {}",
                                     nf::describe_chain(r->backend, r->family, r->table, r->chain),
                                     nf::describe(*r)));
  }
  if (!out.nat || out.nat->kind != nf::ActionKind::dnat || !out.nat->address) {
    return std::nullopt;
  }
  Forward f;
  f.via = Forward::Via::dnat;
  f.address = *out.nat->address;
  f.port = out.nat->port != 0 ? out.nat->port : q.port;
  f.rule = out.nat->rule;
  return f;
}

/// Engine bindings for host port q.port that cover `destination`.
struct Publication {
  const Container* container = nullptr;
  PortBinding binding;
  bool actual = false;  // in NetworkSettings.Ports (live), not only intended
};

bool host_ip_covers(const std::string& host_ip, const IpAddress& destination) {
  if (host_ip.empty() || host_ip == "0.0.0.0" || host_ip == "::") {
    return true;
  }
  const auto ip = IpAddress::parse(host_ip);
  return ip && *ip == destination;
}

std::vector<Publication> publications(const Facts& facts, const Query& q,
                                      const IpAddress& destination) {
  std::vector<Publication> out;
  if (!facts.engine) {
    return out;
  }
  for (const auto& c : facts.engine->containers) {
    const auto add = [&](const std::vector<PortBinding>& bindings, bool actual) {
      for (const auto& b : bindings) {
        if (b.protocol == q.protocol && b.host_port == q.port &&
            host_ip_covers(b.host_ip, destination)) {
          const bool seen = std::any_of(out.begin(), out.end(), [&](const Publication& p) {
            return p.container == &c && p.binding.container_port == b.container_port;
          });
          if (!seen) {
            out.push_back({&c, b, actual});
          }
        }
      }
    };
    add(c.actual, true);
    add(c.intended, false);
  }
  return out;
}

std::string forward_label(const Forward& f) {
  return fmt::format("{} {}:{}", f.via == Forward::Via::dnat ? "DNAT" : "docker-proxy →",
                     f.address.to_string_for_port(), f.port);
}

void note_disagreements(Diagnosis& d, const Forward& f, const Container& c,
                        const std::vector<Publication>& pubs, const Query& q) {
  const bool engine_agrees = std::any_of(pubs.begin(), pubs.end(), [&](const Publication& p) {
    return p.container == &c && p.binding.container_port == f.port;
  });
  if (engine_agrees) {
    return;
  }
  const auto it = std::find_if(pubs.begin(), pubs.end(),
                               [&](const Publication& p) { return p.container == &c; });
  if (it != pubs.end()) {
    d.disagreements.push_back(fmt::format(
        "the engine says {} publishes {} to container port {}, but the kernel forwards to port {}",
        container_phrase(c), q.port, it->binding.container_port, f.port));
  } else {
    d.disagreements.push_back(fmt::format(
        "the kernel forwards host port {} to {}, but the engine does not list this binding for it",
        q.port, container_phrase(c)));
  }
}

}  // namespace

Diagnosis diagnose_host(const Query& q, const Facts& facts, const IpAddress& destination) {
  Diagnosis d;
  const std::string dialled = fmt::format("{}:{}", destination.to_string_for_port(), q.port);
  const auto pubs = publications(facts, q, destination);
  for (const auto& p : pubs) {
    d.evidence.push_back(fmt::format(
        "engine: {} publishes {}:{} → {}{}", container_phrase(*p.container),
        p.binding.host_ip.empty() ? "0.0.0.0" : p.binding.host_ip, p.binding.host_port,
        protocol_port(p.binding.protocol, p.binding.container_port),
        p.actual ? "" : " (intended; not live)"));
  }

  std::optional<Forward> forward;
  if (is_host_address(facts, destination)) {
    forward = forward_by_dnat(facts, destination, q, d);
    if (forward) {
      d.evidence.push_back(fmt::format(
          "kernel: {}: {}",
          nf::describe_chain(forward->rule->backend, forward->rule->family, forward->rule->table,
                             forward->rule->chain),
          nf::describe(*forward->rule)));
    }
  }

  // Without DNAT, the packet is delivered locally: who listens on the host?
  const Listener* host_listener = nullptr;
  if (!forward) {
    for (const auto& l : facts.host.listeners) {
      if (accepts(l, q.protocol, destination, q.port)) {
        host_listener = &l;
        break;
      }
    }
    if (host_listener != nullptr) {
      if (const auto proxy = proxy_forward(*host_listener)) {
        forward = Forward{Forward::Via::proxy, proxy->container_ip, proxy->container_port,
                          nullptr, host_listener};
        d.evidence.push_back(fmt::format("kernel: {} listens on {} and forwards to {}:{}",
                                         describe_owners(*host_listener),
                                         describe_bind(*host_listener),
                                         proxy->container_ip.to_string_for_port(),
                                         proxy->container_port));
      }
    }
  }

  if (!forward) {
    d.path.push_back({fmt::format("host :{}", q.port), HopState::failed,
                      host_listener != nullptr
                          ? fmt::format("{} listens on {}, not a container",
                                        describe_owners(*host_listener), describe_bind(*host_listener))
                          : fmt::format("no DNAT rule and no listener for {}",
                                        protocol_port(q.protocol, q.port))});
    if (host_listener != nullptr) {
      d.evidence.push_back(fmt::format("kernel: {} listens on {} on the host",
                                       describe_owners(*host_listener),
                                       describe_bind(*host_listener)));
    }
    for (const auto& p : pubs) {
      if (p.container->state.running) {
        d.disagreements.push_back(fmt::format(
            "the engine says {} publishes {}, but the kernel has no DNAT rule and no "
            "docker-proxy for it (were the firewall rules flushed? restarting dockerd rewrites them)",
            container_phrase(*p.container), protocol_port(q.protocol, q.port)));
      }
    }
    explain_unpublished(q, facts, d);
    return d;
  }

  d.path.push_back({fmt::format("host :{}", q.port), HopState::ok,
                    forward->via == Forward::Via::proxy
                        ? fmt::format("{} listens on {}", describe_owners(*forward->listener),
                                      describe_bind(*forward->listener))
                        : fmt::format("nat rule in {}",
                                      nf::describe_chain(forward->rule->backend,
                                                         forward->rule->family,
                                                         forward->rule->table,
                                                         forward->rule->chain))});

  const Attachment target =
      facts.engine ? container_with_address(*facts.engine, forward->address) : Attachment{};
  if (target.container == nullptr) {
    d.path.push_back({forward_label(*forward), HopState::failed, "no container has this address"});
    d.disagreements.push_back(fmt::format(
        "host port {} is forwarded to {}:{}, but no container has that address (a stale rule?)",
        q.port, forward->address.to_string_for_port(), forward->port));
    d.verdict = Verdict::container_port_closed;
    d.summary = fmt::format("Host port {} is forwarded to {}:{}, which no container holds.",
                            q.port, forward->address.to_string_for_port(), forward->port);
    d.fix = "Restart the container that should publish the port, or restart dockerd to "
            "rewrite its rules.";
    return d;
  }

  const Container& c = *target.container;
  note_disagreements(d, *forward, c, pubs, q);
  d.path.push_back({fmt::format("{} ({})", forward_label(*forward), container_phrase(c)),
                    HopState::ok, fmt::format("network {}", target.network->name)});
  show_container(d, facts, c);
  const NetnsFacts* ns = netns_of(facts, c);
  Hop iface = interface_hop(ns, c, forward->address);
  const std::string iface_name = iface.label.substr(c.name.size() + 1);
  d.path.push_back(iface);
  if (ns == nullptr) {
    d.verdict = Verdict::reachable;
    d.path.push_back({"app", HopState::unknown, "listening sockets not read"});
    d.summary = fmt::format("{} is forwarded to {}, whose sockets could not be read.", dialled,
                            container_phrase(c));
    return d;
  }

  const AppCheck check = check_app(ns->listeners, q.protocol, forward->address, forward->port);
  AppContext context;
  context.container = &c;
  context.protocol = q.protocol;
  context.address = forward->address;
  context.port = forward->port;
  context.how_reached = fmt::format("port mapping forwards traffic to the container's {} ({})",
                                    iface_name, forward->address.to_string());
  context.closed_lead = fmt::format(
      "Host port {} is forwarded to port {} in {}, but nothing listens on {} there", q.port,
      forward->port, container_phrase(c), protocol_port(q.protocol, forward->port));
  context.other_port_fix = fmt::format(
      "Publish the port the app listens on: re-create {} with -p {}:{{}} (or make the app listen "
      "on {}).",
      quoted(c.name), q.port, forward->port);
  judge_app(d, check, context);
  if (d.verdict == Verdict::reachable) {
    d.summary = fmt::format("{} reaches the app in {}: {} listens on {}.", dialled,
                            container_phrase(c), describe_owners(*check.listener),
                            describe_bind(*check.listener));
  }
  return d;
}

}  // namespace whyno::detail
