#include <linux/rtnetlink.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <sys/socket.h>

#include "libnl_objects.hpp"
#include "links.hpp"

namespace whyno::kernel {

namespace {

bool wanted(rtnl_route* route) {
  const auto family = rtnl_route_get_family(route);
  const auto table = rtnl_route_get_table(route);
  return (family == AF_INET || family == AF_INET6) && (table == RT_TABLE_MAIN || table == RT_TABLE_LOCAL);
}

}  // namespace

std::vector<Route> parse_routes(const std::vector<std::byte>& routes) {
  std::vector<Route> result;
  detail::for_each_object(routes, "route/route", [&](nl_object* object) {
    auto* route = reinterpret_cast<rtnl_route*>(object);
    if (!wanted(route)) {
      return;
    }
    const nl_addr* dst = rtnl_route_get_dst(route);
    const auto destination = detail::to_ip_address(dst);
    if (!destination) {
      return;
    }
    Route base;
    base.destination = {*destination, nl_addr_get_prefixlen(dst)};
    base.type = rtnl_route_get_type(route);
    base.table = rtnl_route_get_table(route);
    const int hops = rtnl_route_get_nnexthops(route);
    if (hops == 0) {
      result.push_back(base);  // unreachable, prohibit, blackhole
      return;
    }
    for (int n = 0; n < hops; ++n) {
      rtnl_nexthop* hop = rtnl_route_nexthop_n(route, n);
      Route r = base;
      r.output_index = static_cast<std::uint32_t>(rtnl_route_nh_get_ifindex(hop));
      // An IPv4 route via an IPv6 gateway (RTA_VIA) has no same-family
      // gateway; it stays "directly connected" here.
      const auto gateway = detail::to_ip_address(rtnl_route_nh_get_gateway(hop));
      if (gateway && gateway->family() == destination->family()) {
        r.gateway = *gateway;
        r.has_gateway = true;
      }
      result.push_back(r);
    }
  });
  return result;
}

}  // namespace whyno::kernel
