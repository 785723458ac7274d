#include "whyno/model/listeners.hpp"

#include <algorithm>
#include <numeric>
#include <tuple>

#include <fmt/format.h>

namespace whyno {

namespace {

std::uint32_t keep_likeliest(std::vector<Listener>& listeners, const ListenerScope& scope) {
  if (!scope.every_port || listeners.size() <= scope.keep) {
    return 0;
  }
  const auto rank = [&](const Listener& l) {
    const bool wanted = std::find(scope.ports.begin(), scope.ports.end(), l.port) != scope.ports.end();
    return std::tuple(!wanted, l.protocol != scope.protocol, l.address.is_loopback(), l.port);
  };
  std::vector<std::size_t> order(listeners.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::nth_element(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(scope.keep), order.end(),
                   [&](std::size_t a, std::size_t b) {
                     return std::tuple(rank(listeners[a]), a) < std::tuple(rank(listeners[b]), b);
                   });
  order.resize(scope.keep);
  std::sort(order.begin(), order.end());  // as the kernel listed them
  std::vector<Listener> kept;
  kept.reserve(order.size());
  for (const std::size_t i : order) {
    kept.push_back(std::move(listeners[i]));
  }
  const auto left_out = static_cast<std::uint32_t>(listeners.size() - kept.size());
  listeners = std::move(kept);
  return left_out;
}

}  // namespace

void apply_listener_scope(NetnsFacts& ns, const ListenerScope& scope) {
  if (!scope.every_port) {
    std::erase_if(ns.listeners, [&](const Listener& l) {
      return std::find(scope.ports.begin(), scope.ports.end(), l.port) == scope.ports.end();
    });
    ns.listeners_only_on = scope.ports;
  }
  ns.listeners_left_out = keep_likeliest(ns.listeners, scope);
}

BindScope bind_scope(const Listener& l) {
  if (l.address.is_unspecified()) {
    return BindScope::wildcard;
  }
  return l.address.is_loopback() ? BindScope::loopback : BindScope::specific;
}

std::string_view to_string(BindScope s) {
  switch (s) {
    case BindScope::loopback:
      return "loopback";
    case BindScope::wildcard:
      return "wildcard";
    case BindScope::specific:
      break;
  }
  return "specific";
}

bool accepts(const Listener& l, Protocol protocol, const IpAddress& destination, std::uint16_t port) {
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

std::vector<const Listener*> on_port(const std::vector<Listener>& listeners, Protocol protocol,
                                     std::uint16_t port) {
  std::vector<const Listener*> out;
  for (const auto& l : listeners) {
    if (l.protocol == protocol && l.port == port) {
      out.push_back(&l);
    }
  }
  return out;
}

std::string_view program_of(const ProcessRef& p) {
  if (p.exe.empty()) {
    return p.comm;
  }
  std::string_view exe = p.exe;
  // A replaced executable reads "/usr/bin/x (deleted)": still x.
  constexpr std::string_view k_deleted = " (deleted)";
  if (exe.ends_with(k_deleted)) {
    exe.remove_suffix(k_deleted.size());
  }
  const auto slash = exe.rfind('/');
  return slash == std::string_view::npos ? exe : exe.substr(slash + 1);
}

bool runs_system_program(const ProcessRef& p, std::string_view name) {
  return p.system_binary && program_of(p) == name;
}

bool runs_as(const ProcessRef& p, unsigned uid) { return !p.uid || *p.uid == uid; }

bool is_rootlessport(const ProcessRef& p) { return runs_system_program(p, "rootlessport"); }

bool is_rootlesskit(const ProcessRef& p) { return runs_system_program(p, "rootlesskit"); }

bool is_engine_process(const ProcessRef& p) {
  return runs_system_program(p, "docker-proxy") || runs_system_program(p, "dockerd") ||
         runs_system_program(p, "conmon") || is_rootlessport(p) || is_rootlesskit(p);
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
  const ProcessRef& first = l.owners.front();
  const std::string& name = first.comm;
  if (l.owners.size() == 1) {
    // Whose it is and what it runs, when that is not the system's: a
    // user's process is named as theirs, never as a forwarder's.
    std::string who;
    if (first.uid && *first.uid != 0) {
      who += fmt::format(", uid {}", *first.uid);
    }
    if (!first.system_binary && !first.exe.empty()) {
      who += fmt::format(", {}", first.exe);
    }
    return fmt::format("{} (pid {}{})", name, first.pid, who);
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
