#pragma once
// One namespace's netlink dumps as the kernel gave them (fetch), apart from
// what they mean (parse): the live reader does both on one thread; the
// owner's reader (owner_netns.cpp) fetches in a child process that joined
// the namespace's user namespace, and parses here.

#include <array>
#include <cstddef>
#include <utility>
#include <vector>

#include "whyno/model/netns_facts.hpp"
#include "whyno/util/ip_address.hpp"
#include "whyno/util/result.hpp"

namespace whyno::kernel {

struct RawNetns {
  using Dump = Result<std::vector<std::byte>>;
  Dump links = std::vector<std::byte>();
  Dump addresses = std::vector<std::byte>();
  Dump routes = std::vector<std::byte>();
  /// sock_diag dumps, in the order of k_socket_dumps.
  static constexpr std::array<std::pair<Protocol, IpFamily>, 4> k_socket_dumps{{
      {Protocol::tcp, IpFamily::v4},
      {Protocol::tcp, IpFamily::v6},
      {Protocol::udp, IpFamily::v4},
      {Protocol::udp, IpFamily::v6},
  }};
  std::array<Dump, 4> sockets{std::vector<std::byte>(), std::vector<std::byte>(), std::vector<std::byte>(),
                              std::vector<std::byte>()};
  /// TCP connections (every state but LISTEN and CLOSE: queued, accepted,
  /// closing, TIME_WAIT), IPv4 then IPv6: how many each listener has had
  /// lately, so a connection's arrival can be seen (Listener::connections).
  std::array<Dump, 2> connections{std::vector<std::byte>(), std::vector<std::byte>()};
};

/// The dumps of the calling thread's namespace; the sockets `scope` asks for.
RawNetns fetch_raw_netns(const ListenerScope& scope);

/// What they say; a dump that failed is an Unread entry. Leaves inode 0.
/// The listeners are bounded and marked as `scope` says.
NetnsFacts parse_raw_netns(const RawNetns& raw, const ListenerScope& scope);

}  // namespace whyno::kernel
