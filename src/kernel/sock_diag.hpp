#pragma once
// Listening sockets through NETLINK_SOCK_DIAG (what `ss -ltun` shows).

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "whyno/util/ip_address.hpp"
#include "whyno/model/netns_facts.hpp"
#include "whyno/model/protocol.hpp"
#include "whyno/util/result.hpp"
#include "whyno/sys/netlink_socket.hpp"

namespace whyno::kernel {

/// sock_diag bytecode (INET_DIAG_REQ_BYTECODE) that passes the sockets whose
/// local port is one of `ports`, as `ss 'sport = :A or sport = :B'` builds
/// it: per port an equality test that jumps over the next one when false,
/// and a jump to the end (accept) when true; failing the last rejects.
/// Empty for no ports (no filter).
std::vector<std::byte> local_port_filter(std::span<const std::uint16_t> ports);

/// Dumps the sockets of one family and protocol that can take new traffic:
/// TCP in LISTEN, UDP in CLOSE (bound, unconnected: ss's UNCONN); only those
/// on `ports` (the kernel filters) unless it is empty. The socket decides
/// the namespace: the one it was opened in.
Result<std::vector<std::byte>> fetch_inet_diag(sys::NetlinkSocket& socket, IpFamily family, Protocol protocol,
                                               std::span<const std::uint16_t> ports = {});

/// Dumps the TCP connections of one family: every state but LISTEN and
/// CLOSE (SYN_RECV, ESTABLISHED, the closing ones, TIME_WAIT); only those
/// whose local port is in `ports` unless it is empty.
Result<std::vector<std::byte>> fetch_tcp_connections(sys::NetlinkSocket& socket, IpFamily family,
                                                     std::span<const std::uint16_t> ports = {});

/// The local ports of the connections in such a dump, one entry per
/// connection (a port appears as often as it has connections).
std::vector<std::uint16_t> parse_connection_ports(const std::vector<std::byte>& reply);

/// Turns a SOCK_DIAG_BY_FAMILY dump into listeners. Keeps TCP sockets in
/// LISTEN and UDP sockets that are bound to a port and unconnected; queue
/// figures are filled for TCP only (for UDP the kernel reports buffer bytes,
/// which are no accept queue). Malformed messages are skipped.
std::vector<Listener> parse_inet_diag(const std::vector<std::byte>& reply, Protocol protocol);

}  // namespace whyno::kernel
