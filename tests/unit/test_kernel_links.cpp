#include <doctest/doctest.h>

#include "fixtures.hpp"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "kernel/links.hpp"

using whyno::Interface;
using whyno::IpAddress;
using whyno::Route;
using whyno::kernel::parse_links;
using whyno::kernel::parse_routes;

namespace {

std::vector<std::byte> fixture(const std::string& name) { return whyno::test::fixture_bytes("rtnl/" + name); }

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

std::vector<Route> routes_to(const std::vector<Route>& routes, const char* address, unsigned length) {
  std::vector<Route> found;
  std::copy_if(routes.begin(), routes.end(), std::back_inserter(found), [&](const Route& r) {
    return r.destination.address == ip(address) && r.destination.length == length;
  });
  return found;
}

constexpr std::uint8_t k_unicast = 1;
constexpr std::uint8_t k_local = 2;
constexpr std::uint8_t k_broadcast = 3;
constexpr std::uint8_t k_multicast = 5;
constexpr std::uint8_t k_unreachable = 7;
constexpr std::uint8_t k_prohibit = 8;

}  // namespace

TEST_SUITE_BEGIN("kernel_links");

TEST_CASE("interfaces: kinds, bridge ports, state, MTU and addresses") {
  const auto interfaces = parse_links(fixture("scratch/links.bin"), fixture("scratch/addrs.bin"));
  REQUIRE(interfaces.size() == 6);
  CHECK(std::is_sorted(interfaces.begin(), interfaces.end(),
                       [](const Interface& a, const Interface& b) { return a.index < b.index; }));

  const Interface& lo = interfaces[0];
  CHECK(lo.index == 1);
  CHECK(lo.name == "lo");
  CHECK(lo.kind.empty());
  CHECK(lo.up);
  CHECK(lo.mtu == 65536);
  REQUIRE(lo.addresses.size() == 2);
  CHECK(lo.addresses[0].address == ip("127.0.0.1"));
  CHECK(lo.addresses[0].prefix_len == 8);
  CHECK(lo.addresses[1].address == ip("::1"));
  CHECK(lo.addresses[1].prefix_len == 128);

  const Interface& bridge = interfaces[1];
  CHECK(bridge.name == "br-ns");
  CHECK(bridge.kind == "bridge");
  CHECK(bridge.master_index == 0);
  CHECK(bridge.mtu == 1400);
  REQUIRE(bridge.addresses.size() == 2);
  CHECK(bridge.addresses[0].address == ip("172.31.7.1"));
  CHECK(bridge.addresses[0].prefix_len == 24);
  CHECK(bridge.addresses[1].address.to_string().starts_with("fe80::"));

  const Interface& uplink = interfaces[2];
  CHECK(uplink.name == "veth-ns1");
  CHECK(uplink.kind == "veth");
  CHECK(uplink.up);
  REQUIRE(uplink.addresses.size() == 3);
  CHECK(uplink.addresses[0].address == ip("10.99.0.1"));
  CHECK(uplink.addresses[1].address == ip("fd99::1"));
  CHECK(uplink.addresses[1].prefix_len == 64);

  const Interface& port = interfaces[3];
  CHECK(port.name == "veth-ns0");
  CHECK(port.master_index == bridge.index);
  CHECK(port.mtu == 1400);

  CHECK(interfaces[4].name == "vdown1");
  CHECK_FALSE(interfaces[4].up);
  CHECK(interfaces[4].addresses.empty());
  CHECK_FALSE(interfaces[5].up);
}

TEST_CASE("routes of the main and local tables, one per next hop") {
  const auto routes = parse_routes(fixture("scratch/routes.bin"));
  CHECK(std::all_of(routes.begin(), routes.end(),
                    [](const Route& r) { return r.table == 254 || r.table == 255; }));
  CHECK(routes_to(routes, "10.94.0.0", 16).empty());  // table 100

  const auto v4_default = routes_to(routes, "0.0.0.0", 0);
  REQUIRE(v4_default.size() == 1);
  CHECK(v4_default[0].has_gateway);
  CHECK(v4_default[0].gateway == ip("10.99.0.254"));
  CHECK(v4_default[0].output_index == 3);
  CHECK(v4_default[0].type == k_unicast);
  CHECK(v4_default[0].table == 254);

  const auto connected = routes_to(routes, "10.99.0.0", 24);
  REQUIRE(connected.size() == 1);
  CHECK_FALSE(connected[0].has_gateway);
  CHECK(connected[0].gateway.is_unspecified());
  CHECK(connected[0].output_index == 3);

  const auto multipath = routes_to(routes, "10.96.0.0", 16);
  REQUIRE(multipath.size() == 2);
  CHECK(multipath[0].gateway == ip("10.99.0.252"));
  CHECK(multipath[1].gateway == ip("10.99.0.251"));

  const auto unreachable = routes_to(routes, "10.97.0.0", 16);
  REQUIRE(unreachable.size() == 1);
  CHECK(unreachable[0].type == k_unreachable);
  CHECK(unreachable[0].output_index == 0);
  CHECK_FALSE(unreachable[0].has_gateway);
  const auto prohibit = routes_to(routes, "10.95.0.0", 16);
  REQUIRE(prohibit.size() == 1);
  CHECK(prohibit[0].type == k_prohibit);

  const auto local = routes_to(routes, "127.0.0.0", 8);
  REQUIRE(local.size() == 1);
  CHECK(local[0].type == k_local);
  CHECK(local[0].table == 255);
  CHECK(local[0].output_index == 1);
  CHECK(routes_to(routes, "172.31.7.255", 32).at(0).type == k_broadcast);

  const auto v6_default = routes_to(routes, "::", 0);
  REQUIRE(v6_default.size() == 1);
  CHECK(v6_default[0].gateway == ip("fd99::fe"));
  CHECK(v6_default[0].destination.address.is_v6());
  CHECK(routes_to(routes, "fd98::", 64).at(0).type == k_unreachable);
  CHECK(routes_to(routes, "fd99::1", 128).at(0).type == k_local);
  CHECK(routes_to(routes, "ff00::", 8).size() == 3);
  CHECK(routes_to(routes, "ff00::", 8).at(0).type == k_multicast);
  CHECK(routes.size() == 29);
}

TEST_CASE("a Docker container on the default bridge") {
  const auto interfaces = parse_links(fixture("docker_web/links.bin"), fixture("docker_web/addrs.bin"));
  REQUIRE(interfaces.size() == 2);
  CHECK(interfaces[1].name == "eth0");
  CHECK(interfaces[1].kind == "veth");
  CHECK(interfaces[1].index == 93);
  CHECK(interfaces[1].up);
  REQUIRE(interfaces[1].addresses.size() == 1);
  CHECK(interfaces[1].addresses[0].address == ip("172.17.0.6"));
  CHECK(interfaces[1].addresses[0].prefix_len == 16);

  const auto routes = parse_routes(fixture("docker_web/routes.bin"));
  const auto gateway = routes_to(routes, "0.0.0.0", 0);
  REQUIRE(gateway.size() == 1);
  CHECK(gateway[0].gateway == ip("172.17.0.1"));
  CHECK(gateway[0].output_index == 93);
  CHECK(routes.size() == 7);
}

TEST_CASE("addresses need their interface; broken input yields what is whole") {
  CHECK(parse_links({}, fixture("scratch/addrs.bin")).empty());
  auto links = fixture("scratch/links.bin");
  links.resize(links.size() / 2);
  const auto some = parse_links(links, {});
  CHECK(some.size() < 6);
  CHECK(parse_routes({}).empty());
  // Address messages are no route messages, so nothing is misread.
  CHECK(parse_routes(fixture("scratch/addrs.bin")).empty());
}

namespace {

/// A netlink message: header, fixed part, attributes (each padded to 4).
struct MessageBuilder {
  std::vector<std::byte> bytes;
  void put(const void* data, std::size_t size) {
    const auto* p = static_cast<const std::byte*>(data);
    bytes.insert(bytes.end(), p, p + size);
    bytes.resize((bytes.size() + 3) & ~std::size_t{3});
  }
  void attribute(std::uint16_t type, const std::vector<std::byte>& payload) {
    const nlattr header{static_cast<std::uint16_t>(sizeof(nlattr) + payload.size()), type};
    put(&header, sizeof header);
    if (!payload.empty()) {
      put(payload.data(), payload.size());
    }
  }
  std::vector<std::byte> finish(std::uint16_t type) {
    nlmsghdr header{};
    header.nlmsg_len = static_cast<std::uint32_t>(bytes.size());
    header.nlmsg_type = type;
    std::memcpy(bytes.data(), &header, sizeof header);
    return bytes;
  }
};

template <typename T>
std::vector<std::byte> raw(const T& value) {
  std::vector<std::byte> out(sizeof value);
  std::memcpy(out.data(), &value, sizeof value);
  return out;
}

/// RTM_NEWROUTE 10.96.0.0/16 in the main table whose RTA_MULTIPATH holds
/// `hops` (rtnexthop headers with their attributes) as given.
std::vector<std::byte> multipath_route(const std::vector<std::byte>& hops) {
  MessageBuilder m;
  m.bytes.resize(sizeof(nlmsghdr));
  rtmsg r{};
  r.rtm_family = AF_INET;
  r.rtm_dst_len = 16;
  r.rtm_table = RT_TABLE_MAIN;
  r.rtm_type = RTN_UNICAST;
  m.put(&r, sizeof r);
  m.attribute(RTA_TABLE, raw(std::uint32_t{RT_TABLE_MAIN}));
  m.attribute(RTA_DST, raw(std::array<std::uint8_t, 4>{10, 96, 0, 0}));
  m.attribute(RTA_MULTIPATH, hops);
  return m.finish(RTM_NEWROUTE);
}

/// One next hop via 10.99.0.252 on interface 3, rtnh_len as given.
std::vector<std::byte> hop(std::uint16_t rtnh_len) {
  rtnexthop h{};
  h.rtnh_len = rtnh_len;
  h.rtnh_ifindex = 3;
  auto out = raw(h);
  const nlattr gateway{sizeof(nlattr) + 4, RTA_GATEWAY};
  const auto header = raw(gateway);
  out.insert(out.end(), header.begin(), header.end());
  for (const std::uint8_t b : std::array<std::uint8_t, 4>{10, 99, 0, 252}) {
    out.push_back(std::byte{b});
  }
  return out;
}

std::vector<std::byte> joined(std::vector<std::byte> a, const std::vector<std::byte>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

TEST_CASE("multipath routes: whole next hops decode, a malformed one skips the route") {
  const auto good = multipath_route(joined(hop(16), hop(16)));
  const auto routes = parse_routes(good);
  REQUIRE(routes.size() == 2);
  CHECK(routes[0].gateway == ip("10.99.0.252"));
  CHECK(routes[0].output_index == 3);

  // libnl-route never gets past a next hop of length 0 (found by
  // tests/fuzz/fuzz_rtnetlink: it allocated next hops until memory ran out).
  // One whose length, rounded up, overruns the attribute makes it wrap the
  // length left around and read on past the attribute.
  std::vector<std::byte> zero_hop = hop(16);
  zero_hop.resize(zero_hop.size() + sizeof(rtnexthop));  // rtnh_len 0
  std::vector<std::byte> overrun = hop(17);
  overrun.push_back(std::byte{0});  // 17 bytes, but RTNH_ALIGN(17) = 20
  const auto links = fixture("docker_web/links.bin");
  const auto addresses = fixture("docker_web/addrs.bin");
  for (const auto& bad : {multipath_route(zero_hop), multipath_route(overrun)}) {
    CHECK(parse_routes(bad).empty());
    CHECK(parse_routes(joined(bad, good)).size() == 2);  // the next message still counts
    // Any dump may hold a route message: libnl parses it whatever was asked.
    CHECK(parse_links(links, joined(bad, addresses)).size() == parse_links(links, addresses).size());
  }
}

TEST_CASE("a link whose info has statistics but no data is skipped, not dereferenced") {
  // libnl-route hands the kind's parser IFLA_INFO_DATA, null here; veth's,
  // like most, dereferences it (found by tests/fuzz/fuzz_rtnetlink).
  const auto link = [](bool with_data) {
    MessageBuilder m;
    m.bytes.resize(sizeof(nlmsghdr));
    ifinfomsg i{};
    i.ifi_family = AF_UNSPEC;
    i.ifi_index = 7;
    m.put(&i, sizeof i);
    m.attribute(IFLA_IFNAME, raw(std::array<char, 6>{'v', 'e', 't', 'h', '7', '\0'}));
    MessageBuilder info;
    info.attribute(IFLA_INFO_KIND, raw(std::array<char, 5>{'v', 'e', 't', 'h', '\0'}));
    if (with_data) {
      info.attribute(IFLA_INFO_DATA, {});
    }
    info.attribute(IFLA_INFO_XSTATS, {});
    m.attribute(IFLA_LINKINFO, info.bytes);
    return m.finish(RTM_NEWLINK);
  };
  CHECK(parse_links(link(false), {}).empty());
  const auto whole = parse_links(link(true), {});
  REQUIRE(whole.size() == 1);
  CHECK(whole[0].name == "veth7");
  CHECK(whole[0].kind == "veth");
}

TEST_SUITE_END();

TEST_CASE("an RTA_VIA too short for its address family skips the route") {
  // libnl-route copies "length - 2" bytes of an RTA_VIA: one of 1 byte was a
  // memcpy of (size_t)-1 (tests/fuzz/crashes/rtnetlink-via-shorter-than-family).
  const auto route = [](std::vector<std::byte> via) {
    MessageBuilder m;
    m.bytes.resize(sizeof(nlmsghdr));
    rtmsg r{};
    r.rtm_family = AF_INET;
    r.rtm_dst_len = 16;
    r.rtm_table = RT_TABLE_MAIN;
    r.rtm_type = RTN_UNICAST;
    m.put(&r, sizeof r);
    m.attribute(RTA_TABLE, raw(std::uint32_t{RT_TABLE_MAIN}));
    m.attribute(RTA_DST, raw(std::array<std::uint8_t, 4>{10, 96, 0, 0}));
    m.attribute(RTA_OIF, raw(std::uint32_t{3}));
    m.attribute(RTA_VIA, via);
    return m.finish(RTM_NEWROUTE);
  };
  CHECK(parse_routes(route({std::byte{AF_INET}})).empty());
  // A next hop's RTA_VIA, inside RTA_MULTIPATH, alike.
  std::vector<std::byte> short_via = hop(16 + 8);
  const nlattr via{sizeof(nlattr) + 1, RTA_VIA};
  const auto header = raw(via);
  short_via.insert(short_via.end(), header.begin(), header.end());
  short_via.insert(short_via.end(), {std::byte{AF_INET}, std::byte{0}, std::byte{0}, std::byte{0}});
  CHECK(parse_routes(multipath_route(short_via)).empty());
  // A whole one (family and 4 address bytes) is a route like any other.
  CHECK(parse_routes(route({std::byte{AF_INET}, std::byte{0}, std::byte{10}, std::byte{99}, std::byte{0},
                            std::byte{252}}))
            .size() == 1);
}
