#include <doctest/doctest.h>

#include "fixtures.hpp"

#include <algorithm>
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

std::vector<std::byte> fixture(const std::string& name) {
  return whyno::test::fixture_bytes("rtnl/" + name);
}

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

std::vector<Route> routes_to(const std::vector<Route>& routes, const char* address,
                             unsigned length) {
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
  const auto interfaces =
      parse_links(fixture("docker_web/links.bin"), fixture("docker_web/addrs.bin"));
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

TEST_SUITE_END();
