#include "whyno/kernel/netns_reader.hpp"

#include <linux/netlink.h>

#include <fmt/format.h>

#include "links.hpp"
#include "sock_diag.hpp"
#include "whyno/kernel/socket_owners.hpp"
#include "whyno/sys/netlink_socket.hpp"
#include "whyno/sys/netns.hpp"

namespace whyno::kernel {

namespace {

void read_links_and_routes(NetnsFacts& facts) {
  auto socket = sys::NetlinkSocket::open(NETLINK_ROUTE);
  if (!socket) {
    facts.unread.push_back({"interfaces", socket.error().message});
    facts.unread.push_back({"routes", socket.error().message});
    return;
  }
  const auto links = fetch_links(*socket);
  if (!links) {
    facts.unread.push_back({"interfaces", links.error().message});
  } else {
    auto addresses = fetch_addresses(*socket);
    if (!addresses) {
      facts.unread.push_back({"interface addresses", addresses.error().message});
      addresses = std::vector<std::byte>();
    }
    facts.interfaces = parse_links(*links, *addresses);
  }
  const auto routes = fetch_routes(*socket);
  if (!routes) {
    facts.unread.push_back({"routes", routes.error().message});
  } else {
    facts.routes = parse_routes(*routes);
  }
}

void read_listeners(NetnsFacts& facts) {
  // The socket, made on this thread, pins the dumps to this thread's netns.
  auto socket = sys::NetlinkSocket::open(NETLINK_SOCK_DIAG);
  if (!socket) {
    facts.unread.push_back({"listening sockets", socket.error().message});
    return;
  }
  for (const Protocol protocol : {Protocol::tcp, Protocol::udp}) {
    for (const IpFamily family : {IpFamily::v4, IpFamily::v6}) {
      const auto reply = fetch_inet_diag(*socket, family, protocol);
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
  }
}

}  // namespace

std::vector<Listener> read_listeners_here() {
  NetnsFacts facts;
  read_listeners(facts);
  return std::move(facts.listeners);
}

NetnsFacts read_netns() {
  NetnsFacts facts;
  // thread-self, not self: after setns only this thread is in the namespace.
  if (const auto inode = sys::netns_inode("/proc/thread-self/ns/net")) {
    facts.inode = *inode;
  } else {
    facts.unread.push_back({"network namespace identity", inode.error().message});
  }
  read_links_and_routes(facts);
  read_listeners(facts);
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

void attach_socket_owners(std::span<NetnsFacts* const> namespaces, const SocketHolders& holders) {
  attach(namespaces, resolve_socket_owners(holders, "/proc", listener_inodes(namespaces)));
}

}  // namespace whyno::kernel
