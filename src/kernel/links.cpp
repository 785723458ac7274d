#include "links.hpp"

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <map>

#include "libnl_objects.hpp"

namespace whyno::kernel {

namespace {

template <typename Header>
Result<std::vector<std::byte>> dump(sys::NetlinkSocket& socket, std::uint16_t type, std::uint32_t ext_mask) {
  alignas(nlmsghdr) std::array<std::byte, 256> buffer{};
  nlmsghdr* header = mnl_nlmsg_put_header(buffer.data());
  header->nlmsg_type = type;
  header->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  // The family field comes first in every rtnetlink header: AF_UNSPEC asks
  // for both IPv4 and IPv6.
  mnl_nlmsg_put_extra_header(header, sizeof(Header));
  if (ext_mask != 0) {
    mnl_attr_put_u32(header, IFLA_EXT_MASK, ext_mask);
  }
  return socket.request(header);
}

Interface to_interface(rtnl_link* link) {
  Interface i;
  i.index = static_cast<std::uint32_t>(rtnl_link_get_ifindex(link));
  if (const char* name = rtnl_link_get_name(link)) {
    i.name = name;
  }
  if (const char* kind = rtnl_link_get_type(link)) {
    i.kind = kind;
  }
  i.master_index = static_cast<std::uint32_t>(rtnl_link_get_master(link));
  i.up = (rtnl_link_get_flags(link) & IFF_UP) != 0;
  i.mtu = rtnl_link_get_mtu(link);
  return i;
}

}  // namespace

Result<std::vector<std::byte>> fetch_links(sys::NetlinkSocket& route_socket) {
  // Statistics are a third of each message and nobody reads them.
  return dump<ifinfomsg>(route_socket, RTM_GETLINK, RTEXT_FILTER_SKIP_STATS);
}

Result<std::vector<std::byte>> fetch_addresses(sys::NetlinkSocket& route_socket) {
  return dump<ifaddrmsg>(route_socket, RTM_GETADDR, 0);
}

Result<std::vector<std::byte>> fetch_routes(sys::NetlinkSocket& route_socket) {
  // Routing reads the main table alone; the local table repeats every
  // address (at 300 containers, 600 of the host's 900 IPv6 routes are its
  // link-local and multicast entries). A kernel that cannot filter sends
  // every table, and parse_routes keeps what it always kept.
  alignas(nlmsghdr) std::array<std::byte, 256> buffer{};
  nlmsghdr* header = mnl_nlmsg_put_header(buffer.data());
  header->nlmsg_type = RTM_GETROUTE;
  header->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  auto* route = static_cast<rtmsg*>(mnl_nlmsg_put_extra_header(header, sizeof(rtmsg)));
  if (route_socket.strict_dumps()) {
    route->rtm_table = RT_TABLE_MAIN;
  }
  return route_socket.request(header);
}

std::vector<Interface> parse_links(const std::vector<std::byte>& links,
                                   const std::vector<std::byte>& addresses) {
  std::map<std::uint32_t, Interface> by_index;
  detail::for_each_object(links, "route/link", [&](nl_object* object) {
    Interface i = to_interface(reinterpret_cast<rtnl_link*>(object));
    by_index.insert_or_assign(i.index, std::move(i));
  });
  detail::for_each_object(addresses, "route/addr", [&](nl_object* object) {
    auto* addr = reinterpret_cast<rtnl_addr*>(object);
    const auto index = static_cast<std::uint32_t>(rtnl_addr_get_ifindex(addr));
    const auto found = by_index.find(index);
    const auto address = detail::to_ip_address(rtnl_addr_get_local(addr));
    if (found == by_index.end() || !address) {
      return;
    }
    found->second.addresses.push_back({*address, static_cast<unsigned>(rtnl_addr_get_prefixlen(addr))});
  });
  std::vector<Interface> result;
  result.reserve(by_index.size());
  for (auto& [index, i] : by_index) {
    result.push_back(std::move(i));
  }
  return result;
}

}  // namespace whyno::kernel
