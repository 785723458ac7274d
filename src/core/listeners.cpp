#include "whyno/core/listeners.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace whyno {

BindScope bind_scope(const Listener& l) {
  if (l.address.is_unspecified()) {
    return BindScope::wildcard;
  }
  return l.address.is_loopback() ? BindScope::loopback : BindScope::specific;
}

std::string_view to_string(BindScope s) {
  switch (s) {
    case BindScope::loopback: return "loopback";
    case BindScope::wildcard: return "wildcard";
    case BindScope::specific: break;
  }
  return "specific";
}

bool accepts(const Listener& l, Protocol protocol, const IpAddress& destination,
             std::uint16_t port) {
  if (l.protocol != protocol || l.port != port) {
    return false;
  }
  if (l.address.is_v4()) {
    if (destination.is_v4()) {
      return l.address.is_unspecified() || l.address == destination;
    }
    const auto v4 = destination.unmapped_v4();
    return v4 && (l.address.is_unspecified() || l.address == *v4);
  }
  // An IPv6 socket.
  if (destination.is_v4()) {
    if (l.v6only) {
      return false;
    }
    if (l.address.is_unspecified()) {
      return true;
    }
    const auto mapped = l.address.unmapped_v4();
    return mapped && *mapped == destination;
  }
  return l.address.is_unspecified() || l.address == destination;
}

std::vector<const Listener*> on_port(const std::vector<Listener>& listeners,
                                     Protocol protocol, std::uint16_t port) {
  std::vector<const Listener*> out;
  for (const auto& l : listeners) {
    if (l.protocol == protocol && l.port == port) {
      out.push_back(&l);
    }
  }
  return out;
}

bool is_rootlessport(const ProcessRef& p) { return p.comm == "rootlessport"; }

bool is_rootlesskit(const ProcessRef& p) { return p.comm == "rootlesskit"; }

bool is_engine_process(const ProcessRef& p) {
  return p.comm == "docker-proxy" || p.comm == "dockerd" || p.comm == "conmon" || is_rootlessport(p) ||
         is_rootlesskit(p);
}

bool is_embedded_dns(const Listener& l) {
  static const IpAddress k_embedded_dns = *IpAddress::parse("127.0.0.11");
  return l.address == k_embedded_dns;
}

bool is_engine_socket(const Listener& l) {
  if (is_embedded_dns(l)) {
    return true;
  }
  return !l.owners.empty() && std::all_of(l.owners.begin(), l.owners.end(), is_engine_process);
}

std::string describe_owners(const Listener& l) {
  if (l.owners.empty()) {
    return "unknown process";
  }
  const std::string& name = l.owners.front().comm;
  if (l.owners.size() == 1) {
    return fmt::format("{} (pid {})", name, l.owners.front().pid);
  }
  std::string pids;
  for (const auto& p : l.owners) {
    pids += pids.empty() ? "" : ", ";
    pids += std::to_string(p.pid);
  }
  return fmt::format("{} (pids {})", name, pids);
}

std::string describe_bind(const Listener& l) {
  if (l.address.is_v6() && l.address.is_unspecified() && !l.v6only) {
    return fmt::format("*:{}", l.port);  // ss's notation for dual-stack
  }
  return fmt::format("{}:{}", l.address.to_string_for_port(), l.port);
}

}  // namespace whyno
