#pragma once
// Listening sockets through NETLINK_SOCK_DIAG (what `ss -ltun` shows).

#include <cstddef>
#include <vector>

#include "whyno/util/ip_address.hpp"
#include "whyno/model/netns_facts.hpp"
#include "whyno/model/protocol.hpp"
#include "whyno/util/result.hpp"
#include "whyno/sys/netlink_socket.hpp"

namespace whyno::kernel {

/// Dumps the sockets of one family and protocol that can take new traffic:
/// TCP in LISTEN, UDP in CLOSE (bound, unconnected: ss's UNCONN). The socket
/// decides the namespace: the one it was opened in.
Result<std::vector<std::byte>> fetch_inet_diag(sys::NetlinkSocket& socket, IpFamily family,
                                               Protocol protocol);

/// Turns a SOCK_DIAG_BY_FAMILY dump into listeners. Keeps TCP sockets in
/// LISTEN and UDP sockets that are bound to a port and unconnected; queue
/// figures are filled for TCP only (for UDP the kernel reports buffer bytes,
/// which are no accept queue). Malformed messages are skipped.
std::vector<Listener> parse_inet_diag(const std::vector<std::byte>& reply, Protocol protocol);

}  // namespace whyno::kernel
