#include "whyno/core/plan/audit_items.hpp"

#include <algorithm>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "whyno/core/plan/container_lookup.hpp"
#include "whyno/core/plan/kube_ports.hpp"
#include "whyno/model/listeners.hpp"

namespace whyno {

namespace {

/// What a client on this host dials for a binding: localhost for every
/// address and for loopback, else the binding's own address.
Target dialled_for(const std::string& host_ip) {
  const auto address = IpAddress::parse(host_ip);
  if (host_ip.empty() || !address || address->is_unspecified() || address->is_loopback()) {
    return Target::parse("localhost");
  }
  return Target::parse(address->is_v4() ? host_ip : "[" + host_ip + "]");
}

bool in_scope(const Container& c, const AuditScope& scope, const Engine& engine) {
  if (c.kind != Container::Kind::container) {
    return false;
  }
  if (scope.project && c.compose_project != *scope.project) {
    return false;
  }
  if (scope.container) {
    const NameLookup lookup = look_up_container(engine, *scope.container);
    return lookup.found == &c;
  }
  return true;
}

/// Bindings the engine applied, and those it was asked for and did not
/// (a stopped container, or one whose start failed on its port).
std::vector<PortBinding> bindings_of(const Container& c) {
  std::vector<PortBinding> out;
  // A set, not a search of `out`: a container may map whole port ranges.
  std::set<std::tuple<Protocol, std::uint16_t, std::uint16_t>> applied;
  for (const PortBinding& b : c.actual) {
    if (b.host_port != 0) {
      out.push_back(b);
      applied.emplace(b.protocol, b.container_port, b.host_port);
    }
  }
  for (const PortBinding& b : c.intended) {
    if (b.host_port != 0 && !applied.contains({b.protocol, b.container_port, b.host_port})) {
      out.push_back(b);
    }
  }
  return out;
}

AuditItem item_for(const Container& c, AuditItem::Kind kind, Target target, std::uint16_t port,
                   Protocol protocol, std::string host_ip) {
  AuditItem item;
  item.kind = kind;
  item.query.target = std::move(target);
  item.query.port = port;
  item.query.protocol = protocol;
  item.query.container = c.name;
  item.container_id = c.id;
  item.container_name = c.name;
  item.project = c.compose_project;
  item.host_ip = std::move(host_ip);
  return item;
}

void add_container_items(const Container& c, const Facts& facts, std::vector<AuditItem>& out) {
  std::set<std::tuple<std::string, std::uint16_t, Protocol>> published;  // dialled, port, protocol
  std::set<std::pair<std::uint16_t, Protocol>> container_ports;
  std::vector<PortBinding> bindings = bindings_of(c);
  std::sort(bindings.begin(), bindings.end(), [](const PortBinding& a, const PortBinding& b) {
    return std::tie(a.host_port, a.protocol, a.host_ip) < std::tie(b.host_port, b.protocol, b.host_ip);
  });
  std::size_t checked = 0;
  AuditItem* rest = nullptr;
  for (const PortBinding& b : bindings) {
    container_ports.emplace(b.container_port, b.protocol);
    Target target = dialled_for(b.host_ip);
    if (!published.emplace(target.text, b.host_port, b.protocol).second) {
      continue;  // 0.0.0.0 and :: of one port: the same question
    }
    if (checked == k_max_checked_per_container) {
      if (rest == nullptr) {
        out.push_back(
            item_for(c, AuditItem::Kind::published, std::move(target), b.host_port, b.protocol, b.host_ip));
        rest = &out.back();
      }
      ++rest->not_checked;
      continue;
    }
    ++checked;
    out.push_back(
        item_for(c, AuditItem::Kind::published, std::move(target), b.host_port, b.protocol, b.host_ip));
  }
  if (shares_host_network(c)) {
    return;  // its sockets are the host's: there is nothing to publish
  }
  std::set<std::pair<std::uint16_t, Protocol>> unpublished;
  for (const ExposedPort& e : c.exposed) {
    unpublished.emplace(e.port, e.protocol);
  }
  if (const auto ns = facts.container_netns.find(c.id); ns != facts.container_netns.end()) {
    for (const Listener& l : ns->second.listeners) {
      if (!is_embedded_dns(l)) {
        unpublished.emplace(l.port, l.protocol);
      }
    }
  }
  for (const auto& [port, protocol] : unpublished) {
    if (port != 0 && !container_ports.contains({port, protocol})) {
      out.push_back(
          item_for(c, AuditItem::Kind::unpublished, Target::parse("localhost"), port, protocol, ""));
    }
  }
}

/// The node's own address that clients dial its NodePorts and hostPorts
/// on: the IPv4 address of the interface its default route leaves by, else
/// its first IPv4 address off loopback; of those `served`, when given.
std::optional<IpAddress> node_address(const NetnsFacts& host, const std::vector<IpPrefix>& served) {
  const auto first_v4 = [&](std::uint32_t index) -> std::optional<IpAddress> {
    for (const Interface& i : host.interfaces) {
      if (index != 0 && i.index != index) {
        continue;
      }
      for (const InterfaceAddress& a : i.addresses) {
        const bool is_served =
            served.empty() || std::any_of(served.begin(), served.end(),
                                          [&](const IpPrefix& p) { return p.contains(a.address); });
        if (a.address.is_v4() && !a.address.is_loopback() && is_served) {
          return a.address;
        }
      }
    }
    return std::nullopt;
  };
  for (const Route& r : host.routes) {
    if (r.destination.length == 0 && r.destination.address.is_v4() && r.type == 1 &&
        (r.table == 254 || r.table == 0)) {
      if (auto a = first_v4(r.output_index)) {
        return a;
      }
    }
  }
  return first_v4(0);
}

/// A Kubernetes node's NodePorts and hostPorts, dialled on its address.
void add_node_items(const Facts& facts, std::vector<AuditItem>& out) {
  // NodePorts first, then hostPorts, each by port.
  std::vector<KubePort> ports = kube_ports(facts.ruleset);
  std::sort(ports.begin(), ports.end(), [](const KubePort& a, const KubePort& b) {
    return std::tuple(a.kind, a.port, a.protocol) < std::tuple(b.kind, b.port, b.protocol);
  });
  for (const KubePort& p : ports) {
    const auto address = node_address(facts.host, p.node_addresses);
    if (!address) {
      continue;
    }
    AuditItem item;
    item.kind = AuditItem::Kind::published;
    item.query.target = Target::parse(address->to_string());
    item.query.port = p.port;
    item.query.protocol = p.protocol;
    if (p.kind == KubePort::Kind::node_port) {
      item.container_name = p.service.empty() ? std::string("NodePort") : "NodePort of " + p.service;
    } else {
      const Attachment at = facts.engine && p.pod_address
                                ? container_with_address(*facts.engine, *p.pod_address)
                                : Attachment{};
      item.container_name = fmt::format(
          "hostPort of {}", at.container != nullptr ? at.container->name : p.pod_address->to_string());
    }
    // Grouped under one heading per Service or pod, as a container's ports are.
    item.container_id = item.container_name;
    out.push_back(std::move(item));
  }
}

}  // namespace

std::vector<AuditItem> audit_items(const Facts& facts, const AuditScope& scope) {
  std::vector<AuditItem> out;
  if (!scope.container && !scope.project) {
    add_node_items(facts, out);
  }
  if (!facts.engine) {
    return out;
  }
  std::vector<const Container*> containers;
  for (const Container& c : facts.engine->containers) {
    if (in_scope(c, scope, *facts.engine)) {
      containers.push_back(&c);
    }
  }
  std::sort(containers.begin(), containers.end(), [](const Container* a, const Container* b) {
    return std::tie(a->name, a->id) < std::tie(b->name, b->id);
  });
  for (const Container* c : containers) {
    const std::size_t first = out.size();
    add_container_items(*c, facts, out);
    std::sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(),
              [](const AuditItem& a, const AuditItem& b) {
                return std::tuple(a.kind, a.query.port, a.query.protocol, a.host_ip) <
                       std::tuple(b.kind, b.query.port, b.query.protocol, b.host_ip);
              });
  }
  return out;
}

Diagnosis not_checked_diagnosis(const AuditItem& item) {
  Diagnosis d;
  d.verdict = Verdict::inconclusive;
  d.summary = fmt::format(
      "container `{}` publishes {} more ports, from {}/{} on, which were not checked: "
      "--all checks at most {} of one container",
      item.container_name, item.not_checked, item.query.port, to_string(item.query.protocol),
      k_max_checked_per_container);
  d.fix = fmt::format("Ask about one of them: whyno-port PORT --container {}", item.container_name);
  return d;
}

}  // namespace whyno
