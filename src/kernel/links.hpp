#pragma once
// Interfaces, their addresses and routes through rtnetlink. The dumps are
// fetched as raw bytes (so they can be recorded) and decoded with libnl-route's
// own message parsers.

#include <cstddef>
#include <vector>

#include "whyno/model/netns_facts.hpp"
#include "whyno/util/result.hpp"
#include "whyno/sys/netlink_socket.hpp"

namespace whyno::kernel {

/// RTM_GETLINK dump of every interface (without statistics).
Result<std::vector<std::byte>> fetch_links(sys::NetlinkSocket& route_socket);
/// RTM_GETADDR dump of every IPv4 and IPv6 address.
Result<std::vector<std::byte>> fetch_addresses(sys::NetlinkSocket& route_socket);
/// RTM_GETROUTE dump of every IPv4 and IPv6 route, all tables.
Result<std::vector<std::byte>> fetch_routes(sys::NetlinkSocket& route_socket);

/// Interfaces from a link dump, sorted by index, each with its addresses from
/// an address dump (addresses of unknown interfaces are dropped).
std::vector<Interface> parse_links(const std::vector<std::byte>& links,
                                   const std::vector<std::byte>& addresses);

/// IPv4 and IPv6 routes of the main (254) and local (255) tables, in dump
/// order. A multipath route gives one Route per next hop.
std::vector<Route> parse_routes(const std::vector<std::byte>& routes);

}  // namespace whyno::kernel
