#include <doctest/doctest.h>

#include "fixtures.hpp"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "kernel/sock_diag.hpp"
#include "whyno/model/listeners.hpp"
#include "whyno/sys/fd.hpp"
#include "whyno/sys/netlink_socket.hpp"
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

TEST_CASE("the port filter is the bytecode ss builds: a test per port, a jump to the end after each") {
  using whyno::kernel::local_port_filter;
  CHECK(local_port_filter({}).empty());
  const std::vector<std::uint16_t> ports{3000, 8080};
  const auto code = local_port_filter(ports);
  REQUIRE(code.size() == 20);  // 8 + 4 + 8
  std::vector<inet_diag_bc_op> ops(code.size() / sizeof(inet_diag_bc_op));
  std::memcpy(ops.data(), code.data(), code.size());
  // 3000? yes: on to the jump to the end (accept); no: on to 8080's test.
  CHECK(ops[0].code == INET_DIAG_BC_S_EQ);
  CHECK(ops[0].yes == 8);
  CHECK(ops[0].no == 12);
  CHECK(ops[1].no == 3000);
  CHECK(ops[2].code == INET_DIAG_BC_JMP);
  CHECK(ops[2].no == 12);  // from offset 8 to 20, the end
  // 8080? yes: the end; no: 4 past it (reject).
  CHECK(ops[3].code == INET_DIAG_BC_S_EQ);
  CHECK(ops[3].yes == 8);
  CHECK(ops[3].no == 12);
  CHECK(ops[4].no == 8080);
}

namespace {

/// A TCP listener on 127.0.0.1 at a port the kernel picks.
struct LoopbackListener {
  whyno::sys::Fd fd{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  std::uint16_t port = 0;
  LoopbackListener() {
    REQUIRE(fd);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(fd.get(), 4) == 0);
    socklen_t length = sizeof address;
    REQUIRE(::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port = ntohs(address.sin_port);
  }
};

std::vector<std::uint16_t> ports_of(const std::vector<Listener>& listeners) {
  std::vector<std::uint16_t> out;
  for (const Listener& l : listeners) {
    out.push_back(l.port);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("the kernel accepts the filter and returns the sockets on its ports alone") {
  const LoopbackListener a, b, c;
  auto diag = whyno::sys::NetlinkSocket::open(NETLINK_SOCK_DIAG);
  REQUIRE(diag.has_value());
  for (const std::vector<std::uint16_t>& wanted :
       {std::vector<std::uint16_t>{a.port}, std::vector<std::uint16_t>{c.port, a.port},
        std::vector<std::uint16_t>{a.port, b.port, c.port}}) {
    const auto reply = whyno::kernel::fetch_inet_diag(*diag, whyno::IpFamily::v4, Protocol::tcp, wanted);
    REQUIRE(reply.has_value());
    std::vector<std::uint16_t> expected = wanted;
    std::sort(expected.begin(), expected.end());
    CHECK(ports_of(parse_inet_diag(*reply, Protocol::tcp)) == expected);
  }
  // No port: every listener, ours among them.
  const auto every = whyno::kernel::fetch_inet_diag(*diag, whyno::IpFamily::v4, Protocol::tcp);
  REQUIRE(every.has_value());
  const auto all = ports_of(parse_inet_diag(*every, Protocol::tcp));
  for (const std::uint16_t port : {a.port, b.port, c.port}) {
    CHECK(std::binary_search(all.begin(), all.end(), port));
  }
}

TEST_CASE("a scope keeps the sockets on its ports, or the likeliest few of every port") {
  whyno::NetnsFacts ns;
  const auto add = [&](Protocol p, const char* address, std::uint16_t port) {
    Listener l;
    l.protocol = p;
    l.address = *IpAddress::parse(address);
    l.port = port;
    ns.listeners.push_back(l);
  };
  add(Protocol::tcp, "127.0.0.1", 10);
  add(Protocol::tcp, "0.0.0.0", 9000);
  add(Protocol::udp, "0.0.0.0", 53);
  add(Protocol::tcp, "0.0.0.0", 8080);
  add(Protocol::tcp, "127.0.0.1", 5);
  add(Protocol::tcp, "0.0.0.0", 7000);

  whyno::NetnsFacts only = ns;
  apply_listener_scope(only, whyno::ListenerScope::only({8080, 53}, Protocol::tcp));
  CHECK(ports_of(only.listeners) == std::vector<std::uint16_t>{53, 8080});
  CHECK(only.listeners_only_on == std::vector<std::uint16_t>{8080, 53});
  CHECK(only.listeners_left_out == 0);

  // Every port, three kept: the asked port, then TCP reachable by port.
  whyno::NetnsFacts widest = ns;
  apply_listener_scope(widest, whyno::ListenerScope::widest({8080}, Protocol::tcp, 3));
  CHECK(ports_of(widest.listeners) == std::vector<std::uint16_t>{7000, 8080, 9000});
  CHECK(widest.listeners.front().port == 9000);  // in the order the kernel gave them
  CHECK(widest.listeners_only_on.empty());
  CHECK(widest.listeners_left_out == 3);

  whyno::NetnsFacts everything = ns;
  apply_listener_scope(everything, whyno::ListenerScope::everything());
  CHECK(everything.listeners.size() == 6);
  CHECK(everything.listeners_left_out == 0);

  // More ports than a filter takes: every port is read.
  std::vector<std::uint16_t> many(whyno::ListenerScope::k_max_filtered_ports + 1);
  CHECK(whyno::ListenerScope::only(many, Protocol::tcp).every_port);
}

TEST_SUITE_END();
