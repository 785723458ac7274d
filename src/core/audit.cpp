#include "whyno/core/audit.hpp"

#include <algorithm>
#include <set>
#include <tuple>

#include "whyno/core/engine_lookup.hpp"
#include "whyno/core/listeners.hpp"

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
  for (const PortBinding& b : c.actual) {
    if (b.host_port != 0) {
      out.push_back(b);
    }
  }
  for (const PortBinding& b : c.intended) {
    const bool applied = std::any_of(out.begin(), out.end(), [&](const PortBinding& a) {
      return a.protocol == b.protocol && a.container_port == b.container_port &&
             a.host_port == b.host_port;
    });
    if (b.host_port != 0 && !applied) {
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
  item.host_ip = std::move(host_ip);
  return item;
}

void add_container_items(const Container& c, const Facts& facts, std::vector<AuditItem>& out) {
  std::set<std::tuple<std::string, std::uint16_t, Protocol>> published;  // dialled, port, protocol
  std::set<std::pair<std::uint16_t, Protocol>> container_ports;
  for (const PortBinding& b : bindings_of(c)) {
    container_ports.emplace(b.container_port, b.protocol);
    Target target = dialled_for(b.host_ip);
    if (!published.emplace(target.text, b.host_port, b.protocol).second) {
      continue;  // 0.0.0.0 and :: of one port: the same question
    }
    out.push_back(item_for(c, AuditItem::Kind::published, std::move(target), b.host_port,
                           b.protocol, b.host_ip));
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
      out.push_back(item_for(c, AuditItem::Kind::unpublished, Target::parse("localhost"), port,
                             protocol, ""));
    }
  }
}

}  // namespace

std::vector<AuditItem> audit_items(const Facts& facts, const AuditScope& scope) {
  std::vector<AuditItem> out;
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

bool is_broken(const AuditEntry& entry) {
  return entry.item.kind == AuditItem::Kind::published &&
         entry.diagnosis.verdict != Verdict::reachable &&
         entry.diagnosis.verdict != Verdict::inconclusive;
}

AuditTally tally(const std::vector<AuditEntry>& entries) {
  AuditTally t;
  for (const AuditEntry& e : entries) {
    if (e.item.kind == AuditItem::Kind::unpublished) {
      ++t.unpublished;
      continue;
    }
    ++t.published;
    if (is_broken(e)) {
      ++t.broken;
    } else if (e.diagnosis.verdict == Verdict::inconclusive) {
      ++t.inconclusive;
    }
  }
  return t;
}

Verdict audit_verdict(const std::vector<AuditEntry>& entries) {
  bool inconclusive = false;
  for (const AuditEntry& e : entries) {
    if (is_broken(e)) {
      return e.diagnosis.verdict;
    }
    inconclusive = inconclusive || (e.item.kind == AuditItem::Kind::published &&
                                    e.diagnosis.verdict == Verdict::inconclusive);
  }
  return inconclusive ? Verdict::inconclusive : Verdict::reachable;
}

}  // namespace whyno
