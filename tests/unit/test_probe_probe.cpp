// The probe against peers on loopback in this process: listeners that stay
// silent, speak, close or reset; UDP peers that echo or stay silent; and a
// fake DNS server replaying replies recorded from Docker's embedded DNS.
// Needs no privileges. Blackholes and real containers: tests/tools/probe_check.

#include <doctest/doctest.h>

#include "fixtures.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "probe/probe_steps.hpp"
#include "whyno/probe/probe.hpp"
#include "whyno/sys/fd.hpp"

using whyno::IpAddress;
using whyno::ProbeResult;
using whyno::Protocol;
using whyno::probe::probe;
using whyno::probe::ProbeOptions;
using whyno::probe::ProbeTarget;
using whyno::sys::Fd;
using Outcome = ProbeResult::Outcome;
namespace steps = whyno::probe::steps;

namespace {

// A socket bound to an ephemeral loopback port.
struct Bound {
  Fd fd;
  std::uint16_t port = 0;
};

Bound bind_loopback(int type, bool v6 = false) {
  Bound b{Fd(::socket(v6 ? AF_INET6 : AF_INET, type | SOCK_CLOEXEC, 0)), 0};
  REQUIRE(b.fd);
  const auto any_port = steps::socket_address(*IpAddress::parse(v6 ? "::1" : "127.0.0.1"), 0);
  REQUIRE(::bind(b.fd.get(), any_port.get(), any_port.length) == 0);
  sockaddr_storage local{};
  socklen_t length = sizeof local;
  REQUIRE(::getsockname(b.fd.get(), reinterpret_cast<sockaddr*>(&local), &length) == 0);
  in_port_t port_be = 0;
  std::memcpy(&port_be,
              reinterpret_cast<const char*>(&local) +
                  (v6 ? offsetof(sockaddr_in6, sin6_port) : offsetof(sockaddr_in, sin_port)),
              sizeof port_be);
  b.port = ntohs(port_be);
  return b;
}

Bound tcp_listener(bool v6 = false) {
  auto b = bind_loopback(SOCK_STREAM, v6);
  REQUIRE(::listen(b.fd.get(), 8) == 0);
  return b;
}

ProbeTarget at(std::uint16_t port, Protocol protocol = Protocol::tcp, const char* address = "127.0.0.1") {
  ProbeTarget t;
  t.address = IpAddress::parse(address);
  t.port = port;
  t.protocol = protocol;
  t.text = fmt::format("{}:{}", t.address->to_string_for_port(), port);
  return t;
}

ProbeOptions quick(int timeout_ms = 1000) {
  ProbeOptions o;
  o.timeout = std::chrono::milliseconds(timeout_ms);
  o.from = "this host";
  return o;
}

// Runs `serve` on the accepted connection while the probe runs. The probe
// waits up to 10 s for the peer to act (a silent peer is never asked for), so
// the server thread's scheduling cannot decide the outcome.
ProbeResult probe_with_server(const std::function<void(Fd)>& serve) {
  auto listener = tcp_listener();
  std::thread server([&] { serve(Fd(::accept(listener.fd.get(), nullptr, nullptr))); });
  auto options = quick(20000);
  options.settle = std::chrono::milliseconds(10000);
  const auto result = probe(at(listener.port), options);
  server.join();
  return result;
}

void wait_readable(int fd, int ms) {
  pollfd p{fd, POLLIN, 0};
  ::poll(&p, 1, ms);
}

std::string write_temp(const std::string& text) {
  char path[] = "/tmp/whyno-probe-test-XXXXXX";
  const int fd = ::mkstemp(path);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  ::close(fd);
  return path;
}

std::vector<std::byte> dns_fixture(const std::string& name) {
  return whyno::test::fixture_bytes("dns/" + name);
}

// A DNS server on loopback that answers each query with a recorded reply
// (its id patched to the query's), after ignoring the first `ignore` queries.
class FakeDns {
 public:
  FakeDns(std::vector<std::byte> a_reply, std::vector<std::byte> aaaa_reply, int ignore)
      : m_socket(bind_loopback(SOCK_DGRAM)),
        m_thread([this, a = std::move(a_reply), aaaa = std::move(aaaa_reply), ignore] {
          serve(a, aaaa, ignore);
        }) {}
  ~FakeDns() {
    m_stop = true;
    m_thread.join();
  }
  FakeDns(const FakeDns&) = delete;
  FakeDns& operator=(const FakeDns&) = delete;

  std::uint16_t port() const { return m_socket.port; }
  int queries() const { return m_queries; }

 private:
  void serve(const std::vector<std::byte>& a, const std::vector<std::byte>& aaaa, int ignore) {
    while (!m_stop) {
      wait_readable(m_socket.fd.get(), 20);
      std::byte query[512];
      sockaddr_storage peer{};
      socklen_t length = sizeof peer;
      const ssize_t n = ::recvfrom(m_socket.fd.get(), query, sizeof query, MSG_DONTWAIT,
                                   reinterpret_cast<sockaddr*>(&peer), &length);
      if (n < 16 || ++m_queries <= ignore) {
        continue;
      }
      const bool is_aaaa = std::to_integer<int>(query[n - 3]) == 28;
      auto reply = is_aaaa ? aaaa : a;
      if (reply.empty()) {
        continue;
      }
      reply[0] = query[0];
      reply[1] = query[1];
      ::sendto(m_socket.fd.get(), reply.data(), reply.size(), 0, reinterpret_cast<const sockaddr*>(&peer),
               length);
    }
  }

  Bound m_socket;
  std::atomic<bool> m_stop{false};
  std::atomic<int> m_queries{0};
  std::thread m_thread;
};

std::size_t open_fds() {
  std::size_t n = 0;
  DIR* dir = ::opendir("/proc/self/fd");
  REQUIRE(dir != nullptr);
  while (::readdir(dir) != nullptr) {
    ++n;
  }
  ::closedir(dir);
  return n;
}

}  // namespace

TEST_SUITE_BEGIN("probe_probe");

TEST_CASE("a listener that accepts but stays silent: connected") {
  auto listener = tcp_listener();
  const auto r = probe(at(listener.port), quick());
  CHECK(r.outcome == Outcome::connected);
  CHECK(r.detail == "connected; the peer sent nothing within 100 ms");
  CHECK(r.from == "this host");
  CHECK(r.target == fmt::format("127.0.0.1:{}", listener.port));
  CHECK(r.milliseconds >= 99);
  CHECK(r.milliseconds < 1000);
}

TEST_CASE("a peer that speaks first: answered, with its first line") {
  const auto r = probe_with_server([](Fd conn) {
    const std::string banner = "SSH-2.0-whyno test\r\nsecond line\n";
    CHECK(::send(conn.get(), banner.data(), banner.size(), 0) > 0);
    wait_readable(conn.get(), 1000);  // until the probe hangs up
  });
  CHECK(r.outcome == Outcome::answered);
  CHECK(r.detail == "SSH-2.0-whyno test");
}

TEST_CASE("a peer that closes at once: reset_or_closed, Empty reply") {
  const auto r = probe_with_server([](Fd conn) { conn.close(); });
  CHECK(r.outcome == Outcome::reset_or_closed);
  CHECK(r.detail == "closed right after connecting (curl: Empty reply from server)");
}

TEST_CASE("a peer that resets at once: reset_or_closed, Connection reset") {
  const auto r = probe_with_server([](Fd conn) {
    const linger hard{1, 0};
    ::setsockopt(conn.get(), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  });
  CHECK(r.outcome == Outcome::reset_or_closed);
  CHECK(r.detail == "reset right after connecting (curl: Connection reset by peer)");
}

TEST_CASE("a reset is reset_or_closed at every stage it can surface") {
  // connect(2) itself, SO_ERROR after a non-blocking connect, and send/recv
  // all report the same RST; which one does is a matter of timing.
  for (const int error_number : {ECONNRESET, EPIPE}) {
    for (const char* call : {"connect", "recv", "send"}) {
      const auto seen = steps::classify_socket_error(error_number, call);
      CHECK(seen.outcome == Outcome::reset_or_closed);
      CHECK(seen.detail == "reset right after connecting (curl: Connection reset by peer)");
    }
  }
  CHECK(steps::classify_socket_error(ECONNREFUSED, "connect").outcome == Outcome::refused);
  CHECK(steps::classify_socket_error(EHOSTUNREACH, "connect").outcome == Outcome::unreachable);
  CHECK(steps::classify_socket_error(ETIMEDOUT, "connect").outcome == Outcome::timed_out);
  CHECK(steps::classify_socket_error(EMFILE, "connect").detail == "connect: Too many open files");
}

TEST_CASE("a connection reset before the probe looks at it: reset_or_closed") {
  auto listener = tcp_listener();
  Fd client(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const auto to = steps::socket_address(*IpAddress::parse("127.0.0.1"), listener.port);
  REQUIRE(::connect(client.get(), to.get(), to.length) == 0);
  {
    Fd conn(::accept(listener.fd.get(), nullptr, nullptr));
    const linger hard{1, 0};
    ::setsockopt(conn.get(), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
  }
  // The RST has arrived once the socket reports an error or a hang-up.
  pollfd p{client.get(), POLLIN, 0};
  REQUIRE(::poll(&p, 1, 5000) == 1);
  const auto seen = steps::observe_connected(client.get(), std::chrono::milliseconds(100),
                                             steps::Deadline(std::chrono::milliseconds(1000)));
  CHECK(seen.outcome == Outcome::reset_or_closed);
  CHECK(seen.detail == "reset right after connecting (curl: Connection reset by peer)");
}

TEST_CASE("a bound port that does not listen: refused") {
  auto bound = bind_loopback(SOCK_STREAM);
  const auto r = probe(at(bound.port), quick());
  CHECK(r.outcome == Outcome::refused);
  CHECK(r.detail == "Connection refused");
}

TEST_CASE("IPv6 loopback") {
  Fd probe_socket(::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const auto loopback6 = steps::socket_address(*IpAddress::parse("::1"), 0);
  if (!probe_socket || ::bind(probe_socket.get(), loopback6.get(), loopback6.length) != 0) {
    MESSAGE("no ::1 here; skipped");
    return;
  }
  auto listener = tcp_listener(true);
  const auto r = probe(at(listener.port, Protocol::tcp, "::1"), quick());
  CHECK(r.outcome == Outcome::connected);
  CHECK(r.target == fmt::format("[::1]:{}", listener.port));
}

TEST_CASE("UDP: a reply is answered, silence times out, a closed port is refused") {
  SUBCASE("echo") {
    auto peer = bind_loopback(SOCK_DGRAM);
    std::thread echo([&] {
      wait_readable(peer.fd.get(), 1000);
      char buffer[64];
      sockaddr_storage from{};
      socklen_t length = sizeof from;
      const ssize_t n = ::recvfrom(peer.fd.get(), buffer, sizeof buffer, MSG_DONTWAIT,
                                   reinterpret_cast<sockaddr*>(&from), &length);
      CHECK(n == 0);  // the probe sends an empty datagram
      ::sendto(peer.fd.get(), "pong\n", 5, 0, reinterpret_cast<sockaddr*>(&from), length);
    });
    const auto r = probe(at(peer.port, Protocol::udp), quick());
    echo.join();
    CHECK(r.outcome == Outcome::answered);
    CHECK(r.detail == "pong");
  }
  SUBCASE("silent") {
    auto peer = bind_loopback(SOCK_DGRAM);
    const auto r = probe(at(peer.port, Protocol::udp), quick(200));
    CHECK(r.outcome == Outcome::timed_out);
    CHECK(r.detail == "no reply (UDP gives no sign when nothing listens behind a proxy)");
    CHECK(r.milliseconds >= 199);
  }
  SUBCASE("closed") {
    std::uint16_t port = 0;
    { port = bind_loopback(SOCK_DGRAM).port; }
    const auto r = probe(at(port, Protocol::udp), quick());
    CHECK(r.outcome == Outcome::refused);
  }
}

TEST_CASE("names: the hosts file, then nothing else for a container") {
  auto listener = tcp_listener();
  const auto hosts = write_temp("127.0.0.1\tlocalhost\n::1 localhost\n127.0.0.1 Probe-Peer db # link\n");
  ProbeTarget target;
  target.text = fmt::format("probe-peer:{}", listener.port);
  target.name = "probe-peer";
  target.port = listener.port;
  auto options = quick();
  options.hosts_file = hosts;
  options.hosts_file_owner = static_cast<unsigned>(::geteuid());  // the test's own file

  const auto found = probe(target, options);
  CHECK(found.outcome == Outcome::connected);
  CHECK(found.target == fmt::format("probe-peer:{} (127.0.0.1)", listener.port));

  target.name = "localhost";  // IPv4 is dialled first
  CHECK(probe(target, options).target == fmt::format("probe-peer:{} (127.0.0.1)", listener.port));

  target.name = "server";
  const auto missing = probe(target, options);
  CHECK(missing.outcome == Outcome::unresolved);
  CHECK(missing.detail == fmt::format("not in {} and no embedded DNS on this network", hosts));
  CHECK(missing.target == target.text);

  options.hosts_file = hosts + ".gone";
  const auto unreadable = probe(target, options);
  CHECK(unreadable.outcome == Outcome::unresolved);
  CHECK(unreadable.detail == fmt::format("cannot open {}.gone: No such file or directory and no "
                                         "embedded DNS on this network",
                                         hosts));
  ::unlink(hosts.c_str());
}

TEST_CASE("names on the host: the host's resolver") {
  auto listener = tcp_listener();
  ProbeTarget target;
  target.name = "localhost";
  target.port = listener.port;
  const auto r = probe(target, quick());
  CHECK(r.outcome == Outcome::connected);
  CHECK(r.target == fmt::format("localhost:{} (127.0.0.1)", listener.port));

  const auto lookup =
      steps::resolve_on_host("localhost", Protocol::tcp, steps::Deadline(std::chrono::milliseconds(1000)));
  CHECK(std::find(lookup.addresses.begin(), lookup.addresses.end(), *IpAddress::parse("127.0.0.1")) !=
        lookup.addresses.end());
}

TEST_CASE("a namespace that cannot be opened is an error, not a crash") {
  auto options = quick();
  options.netns_path = "/proc/0/ns/net";
  const auto r = probe(at(1), options);
  CHECK(r.outcome == Outcome::error);
  CHECK(r.detail.find("/proc/0/ns/net") != std::string::npos);
}

TEST_CASE("DNS exchange: recorded embedded-DNS replies, resends, silence, no server") {
  const auto loopback = *IpAddress::parse("127.0.0.1");
  const auto second = [] { return steps::Deadline(std::chrono::milliseconds(1000)); };
  SUBCASE("found: the IPv4 address comes first") {
    FakeDns dns(dns_fixture("server_a.bin"), dns_fixture("server_aaaa.bin"), 0);
    const auto r = steps::query_dns(loopback, dns.port(), "probe-server", second());
    CHECK(r.status == steps::DnsLookup::Status::found);
    REQUIRE_FALSE(r.addresses.empty());
    CHECK(r.addresses.front() == *IpAddress::parse("172.30.99.2"));
  }
  SUBCASE("NXDOMAIN") {
    FakeDns dns(dns_fixture("nosuch_a.bin"), dns_fixture("nosuch_aaaa.bin"), 0);
    const auto r = steps::query_dns(loopback, dns.port(), "nosuch-probe", second());
    CHECK(r.status == steps::DnsLookup::Status::nxdomain);
  }
  SUBCASE("a reply for another name is ignored") {
    FakeDns dns(dns_fixture("server_a.bin"), dns_fixture("server_aaaa.bin"), 0);
    const auto r = steps::query_dns(loopback, dns.port(), "probe-client",
                                    steps::Deadline(std::chrono::milliseconds(300)));
    CHECK(r.status == steps::DnsLookup::Status::no_answer);
  }
  SUBCASE("lost queries are sent again") {
    FakeDns dns(dns_fixture("server_a.bin"), dns_fixture("server_aaaa.bin"), 2);
    const auto r = steps::query_dns(loopback, dns.port(), "probe-server", second());
    CHECK(r.status == steps::DnsLookup::Status::found);
    CHECK(dns.queries() >= 3);
  }
  SUBCASE("silence until the deadline") {
    FakeDns dns({}, {}, 0);
    const auto started = std::chrono::steady_clock::now();
    const auto r = steps::query_dns(loopback, dns.port(), "probe-server",
                                    steps::Deadline(std::chrono::milliseconds(300)));
    CHECK(r.status == steps::DnsLookup::Status::no_answer);
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::milliseconds(1000));
  }
  SUBCASE("nothing listens: ICMP port unreachable") {
    std::uint16_t port = 0;
    { port = bind_loopback(SOCK_DGRAM).port; }
    const auto r = steps::query_dns(loopback, port, "probe-server", second());
    CHECK(r.status == steps::DnsLookup::Status::no_server);
  }
}

TEST_CASE("every socket is closed, whatever the outcome") {
  auto listener = tcp_listener();
  auto bound = bind_loopback(SOCK_STREAM);
  auto silent_udp = bind_loopback(SOCK_DGRAM);
  FakeDns dns(dns_fixture("nosuch_a.bin"), dns_fixture("nosuch_aaaa.bin"), 0);
  const auto loopback = *IpAddress::parse("127.0.0.1");
  const auto before = open_fds();
  for (int i = 0; i < 3; ++i) {
    probe(at(bound.port), quick());
    probe(at(silent_udp.port, Protocol::udp), quick(20));
    steps::query_dns(loopback, dns.port(), "nosuch-probe", steps::Deadline(std::chrono::milliseconds(500)));
    steps::dial(loopback, listener.port, Protocol::tcp, std::chrono::milliseconds(100),
                steps::Deadline(std::chrono::milliseconds(20)));
  }
  CHECK(open_fds() == before);
}

TEST_CASE("first_line keeps at most 80 raw bytes of the first line") {
  CHECK(steps::first_line("HTTP/1.1 400 Bad Request\r\nx") == "HTTP/1.1 400 Bad Request");
  CHECK(steps::first_line(std::string(200, 'x')) == std::string(80, 'x'));
  CHECK(steps::first_line("\n\nlater") == "a blank first line");
  CHECK(steps::first_line(std::string_view("\x1b[31m\0red", 9)) == std::string("\x1b[31m\0red", 9));
}

TEST_SUITE_END();
