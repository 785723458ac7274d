#include "whyno/kernel/netns_reader.hpp"

#include <linux/netlink.h>

#include <map>

#include <fmt/format.h>

#include "links.hpp"
#include "raw_netns.hpp"
#include "sock_diag.hpp"
#include "whyno/kernel/socket_owners.hpp"
#include "whyno/model/listeners.hpp"
#include "whyno/sys/netlink_socket.hpp"
#include "whyno/sys/netns.hpp"

namespace whyno::kernel {

namespace {

/// The ports the kernel is asked to filter listeners on: none (every
/// socket) for a read of every port. Too many for a filter are none too
/// (dump_sockets; ListenerScope::only reads every port then).
std::span<const std::uint16_t> filtered_ports(const ListenerScope& scope) {
  if (scope.every_port) {
    return {};
  }
  return scope.ports;
}

/// The six sock_diag dumps of the calling thread's namespace into `raw`.
void fetch_socket_dumps(RawNetns& raw, const ListenerScope& scope) {
  // The socket, made on this thread, pins the dumps to this thread's netns.
  auto diag = sys::NetlinkSocket::open(NETLINK_SOCK_DIAG);
  for (std::size_t i = 0; i < RawNetns::k_socket_dumps.size(); ++i) {
    const auto [protocol, family] = RawNetns::k_socket_dumps[i];
    raw.sockets[i] = diag ? fetch_inet_diag(*diag, family, protocol, filtered_ports(scope))
                          : Result<std::vector<std::byte>>(std::unexpected(diag.error()));
  }
  for (std::size_t i = 0; i < raw.connections.size() && scope.connections; ++i) {
    // Connections count only on the ports the question is about (a busy
    // host has thousands elsewhere), even when every listener is read.
    raw.connections[i] = diag
                             ? fetch_tcp_connections(*diag, i == 0 ? IpFamily::v4 : IpFamily::v6, scope.ports)
                             : Result<std::vector<std::byte>>(std::unexpected(diag.error()));
  }
}

}  // namespace

RawNetns fetch_raw_netns(const ListenerScope& scope) {
  RawNetns raw;
  const auto unavailable = [](const Error& e) { return Result<std::vector<std::byte>>(std::unexpected(e)); };
  auto route = sys::NetlinkSocket::open(NETLINK_ROUTE);
  if (!route) {
    raw.links = raw.addresses = raw.routes = unavailable(route.error());
  } else {
    raw.links = fetch_links(*route);
    raw.addresses = fetch_addresses(*route);
    raw.routes = fetch_routes(*route);
  }
  fetch_socket_dumps(raw, scope);
  return raw;
}

NetnsFacts parse_raw_netns(const RawNetns& raw, const ListenerScope& scope) {
  NetnsFacts facts;
  if (!raw.links) {
    facts.unread.push_back({"interfaces", raw.links.error().message});
  } else {
    if (!raw.addresses) {
      facts.unread.push_back({"interface addresses", raw.addresses.error().message});
    }
    facts.interfaces = parse_links(*raw.links, raw.addresses.value_or(std::vector<std::byte>()));
  }
  if (!raw.routes) {
    facts.unread.push_back({"routes", raw.routes.error().message});
  } else {
    facts.routes = parse_routes(*raw.routes);
  }
  for (std::size_t i = 0; i < RawNetns::k_socket_dumps.size(); ++i) {
    const auto [protocol, family] = RawNetns::k_socket_dumps[i];
    const auto& reply = raw.sockets[i];
    if (!reply) {
      facts.unread.push_back({fmt::format("listening sockets ({}, {})", to_string(protocol),
                                          family == IpFamily::v4 ? "IPv4" : "IPv6"),
                              reply.error().message});
      continue;
    }
    auto found = parse_inet_diag(*reply, protocol);
    facts.listeners.insert(facts.listeners.end(), std::make_move_iterator(found.begin()),
                           std::make_move_iterator(found.end()));
  }
  apply_listener_scope(facts, scope);
  // Connections by local port: a listener's are those on its port (an
  // address-bound listener's count may include another's on that port).
  std::map<std::uint16_t, std::uint32_t> per_port;
  for (const auto& dump : raw.connections) {
    if (dump) {
      for (const std::uint16_t port : parse_connection_ports(*dump)) {
        ++per_port[port];
      }
    }
  }
  for (Listener& l : facts.listeners) {
    if (l.protocol == Protocol::tcp) {
      const auto it = per_port.find(l.port);
      l.connections = it == per_port.end() ? 0 : it->second;
    }
  }
  return facts;
}

std::vector<Listener> read_listeners_here(const ListenerScope& scope) {
  RawNetns raw;  // no links or routes: empty dumps, nothing unread
  fetch_socket_dumps(raw, scope);
  return parse_raw_netns(raw, scope).listeners;
}

NetnsFacts read_netns(const ListenerScope& scope) {
  NetnsFacts facts = parse_raw_netns(fetch_raw_netns(scope), scope);
  // thread-self, not self: after setns only this thread is in the namespace.
  if (const auto inode = sys::netns_inode("/proc/thread-self/ns/net")) {
    facts.inode = *inode;
  } else {
    facts.unread.push_back({"network namespace identity", inode.error().message});
  }
  return facts;
}

namespace {

std::unordered_set<std::uint64_t> listener_inodes(std::span<NetnsFacts* const> namespaces) {
  std::unordered_set<std::uint64_t> wanted;
  for (const NetnsFacts* ns : namespaces) {
    for (const Listener& l : ns->listeners) {
      if (l.inode != 0) {
        wanted.insert(l.inode);
      }
    }
  }
  return wanted;
}

void attach(std::span<NetnsFacts* const> namespaces, const SocketOwners& owners) {
  for (NetnsFacts* ns : namespaces) {
    for (Listener& l : ns->listeners) {
      if (const auto found = owners.find(l.inode); found != owners.end() && l.inode != 0) {
        l.owners = found->second;
      }
    }
  }
}

}  // namespace

void attach_socket_owners(std::span<NetnsFacts* const> namespaces) {
  attach(namespaces, scan_socket_owners("/proc", listener_inodes(namespaces)));
}

void attach_socket_owners(std::span<NetnsFacts* const> namespaces, const OwnerSearch& search) {
  if (search.forwarded_ports.empty()) {
    attach(namespaces, find_socket_owners("/proc", search));
    return;
  }
  OwnerSearch from_dockerd = search;
  if (const auto dockerd = docker_daemon_pid("/proc", "/run/docker.pid")) {
    from_dockerd.dockerds.push_back(*dockerd);
  }
  attach(namespaces, find_socket_owners("/proc", from_dockerd));
}

}  // namespace whyno::kernel
