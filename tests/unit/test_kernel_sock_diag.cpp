#include <doctest/doctest.h>

#include "fixtures.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "kernel/sock_diag.hpp"
#include "whyno/sys/netlink_messages.hpp"

using whyno::IpAddress;
using whyno::Listener;
using whyno::Protocol;
using whyno::kernel::parse_inet_diag;

namespace {

std::vector<std::byte> fixture(const std::string& name) {
  return whyno::test::fixture_bytes("sock_diag/" + name);
}

const Listener& on_port(const std::vector<Listener>& listeners, std::uint16_t port) {
  const auto found =
      std::find_if(listeners.begin(), listeners.end(), [&](const Listener& l) { return l.port == port; });
  REQUIRE(found != listeners.end());
  return *found;
}

std::size_t message_count(const std::vector<std::byte>& bytes) {
  std::size_t n = 0;
  whyno::sys::for_each_message(bytes, [&](const nlmsghdr*) { ++n; });
  return n;
}

}  // namespace

TEST_SUITE_BEGIN("kernel_sock_diag");

TEST_CASE("IPv4 TCP listeners: loopback, wildcard, device-bound, backlog full") {
  const auto listeners = parse_inet_diag(fixture("scratch/tcp4.bin"), Protocol::tcp);
  REQUIRE(listeners.size() == 4);
  for (const auto& l : listeners) {
    CHECK(l.protocol == Protocol::tcp);
    CHECK(l.address.is_v4());
    CHECK_FALSE(l.v6only);
    CHECK(l.inode != 0);
    CHECK(l.owners.empty());
  }

  const auto& full = on_port(listeners, 5000);
  CHECK(full.address == *IpAddress::parse("127.0.0.1"));
  CHECK(full.accept_queue == 2);  // listen(1) takes backlog + 1, then drops SYNs
  CHECK(full.backlog == 1);
  CHECK(full.inode == 68081);

  const auto& loopback = on_port(listeners, 3000);
  CHECK(loopback.address.is_loopback());
  CHECK(loopback.accept_queue == 0);
  CHECK(loopback.backlog == 9);  // busybox httpd's listen(9)

  const auto& wildcard = on_port(listeners, 8080);
  CHECK(wildcard.address == IpAddress::any(whyno::IpFamily::v4));
  CHECK(wildcard.bound_ifindex == 0);

  const auto& device = on_port(listeners, 4000);
  CHECK(device.address.is_unspecified());
  CHECK(device.bound_ifindex == 1);  // SO_BINDTODEVICE lo
  CHECK(device.backlog == 8);
}

TEST_CASE("IPv6 TCP listeners carry V6ONLY; mapped binds stay IPv6") {
  const auto listeners = parse_inet_diag(fixture("scratch/tcp6.bin"), Protocol::tcp);
  REQUIRE(listeners.size() == 5);
  for (const auto& l : listeners) {
    CHECK(l.address.is_v6());
  }

  const auto& v6only = on_port(listeners, 8443);
  CHECK(v6only.address == IpAddress::any(whyno::IpFamily::v6));
  CHECK(v6only.v6only);

  const auto& dual = on_port(listeners, 9000);
  CHECK(dual.address.is_unspecified());
  CHECK_FALSE(dual.v6only);

  const auto& loopback = on_port(listeners, 6000);
  CHECK(loopback.address == IpAddress::loopback(whyno::IpFamily::v6));
  CHECK(loopback.v6only);

  const auto& mapped = on_port(listeners, 7000);
  CHECK(mapped.address.to_string() == "::ffff:127.0.0.1");
  CHECK(mapped.address.is_v4_mapped());
  CHECK_FALSE(mapped.v6only);

  const auto& nc = on_port(listeners, 3001);  // busybox nc -l: [::], dual stack
  CHECK(nc.address.is_unspecified());
  CHECK_FALSE(nc.v6only);
  CHECK(nc.backlog == 1);
}

TEST_CASE("bound unconnected UDP sockets, without queue figures") {
  const auto v4 = parse_inet_diag(fixture("scratch/udp4.bin"), Protocol::udp);
  REQUIRE(v4.size() == 1);
  CHECK(v4[0].protocol == Protocol::udp);
  CHECK(v4[0].address == IpAddress::any(whyno::IpFamily::v4));
  CHECK(v4[0].port == 53);
  CHECK(v4[0].accept_queue == 0);
  CHECK(v4[0].backlog == 0);

  const auto v6 = parse_inet_diag(fixture("scratch/udp6.bin"), Protocol::udp);
  REQUIRE(v6.size() == 1);
  CHECK(v6[0].address == IpAddress::loopback(whyno::IpFamily::v6));
  CHECK(v6[0].port == 5353);
  CHECK(v6[0].v6only);
}

TEST_CASE("a dump of every state yields only the listeners") {
  const auto tcp_all = fixture("scratch/tcp4_all.bin");
  // 4 listeners, 4 established ends, and 0.0.0.0:4100 bound without
  // listen() (CLOSE: kernel 6.x dumps bound-only sockets too).
  CHECK(message_count(tcp_all) == 9);
  const auto tcp = parse_inet_diag(tcp_all, Protocol::tcp);
  CHECK(tcp.size() == 4);
  CHECK(std::all_of(tcp.begin(), tcp.end(), [](const Listener& l) { return l.port != 0; }));

  const auto udp_all = fixture("scratch/udp4_all.bin");
  CHECK(message_count(udp_all) == 2);  // 0.0.0.0:53 and the connected :5400
  const auto udp = parse_inet_diag(udp_all, Protocol::udp);
  REQUIRE(udp.size() == 1);
  CHECK(udp[0].port == 53);
}

TEST_CASE("the state must match the protocol asked for") {
  // A bound UDP socket is in CLOSE, which is no TCP listener.
  CHECK(parse_inet_diag(fixture("scratch/udp4.bin"), Protocol::tcp).empty());
  CHECK(parse_inet_diag(fixture("scratch/tcp4.bin"), Protocol::udp).empty());
}

TEST_CASE("a Docker container's app bound to loopback") {
  const auto listeners = parse_inet_diag(fixture("docker_web/tcp4.bin"), Protocol::tcp);
  REQUIRE(listeners.size() == 1);
  CHECK(listeners[0].address == *IpAddress::parse("127.0.0.1"));
  CHECK(listeners[0].port == 3000);
  CHECK(listeners[0].backlog == 9);
  CHECK(parse_inet_diag(fixture("docker_web/tcp6.bin"), Protocol::tcp).empty());
  CHECK(parse_inet_diag(fixture("docker_web/udp4.bin"), Protocol::udp).empty());
}

TEST_CASE("docker-proxy on the host: both families, [::] with V6ONLY") {
  const auto v4 = parse_inet_diag(fixture("host/tcp4.bin"), Protocol::tcp);
  const auto v6 = parse_inet_diag(fixture("host/tcp6.bin"), Protocol::tcp);
  CHECK(v4.size() == 6);
  CHECK(v6.size() == 5);
  const auto& proxy4 = on_port(v4, 8090);
  CHECK(proxy4.address.is_unspecified());
  CHECK(proxy4.backlog == 4096);  // Go's listen backlog, capped by somaxconn
  const auto& proxy6 = on_port(v6, 8090);
  CHECK(proxy6.address == IpAddress::any(whyno::IpFamily::v6));
  CHECK(proxy6.v6only);
  const auto udp = parse_inet_diag(fixture("host/udp4.bin"), Protocol::udp);
  REQUIRE(udp.size() == 1);
  CHECK(udp[0].address == *IpAddress::parse("127.0.0.1"));
  CHECK(udp[0].port == 8081);
}

TEST_CASE("truncated and foreign bytes") {
  auto bytes = fixture("scratch/tcp6.bin");
  const auto whole = parse_inet_diag(bytes, Protocol::tcp);
  bytes.resize(bytes.size() - 10);  // the last message is cut
  CHECK(parse_inet_diag(bytes, Protocol::tcp).size() == whole.size() - 1);
  CHECK(parse_inet_diag({}, Protocol::tcp).empty());
  std::vector<std::byte> garbage(64, std::byte{0xff});
  CHECK(parse_inet_diag(garbage, Protocol::tcp).empty());
}

TEST_SUITE_END();
