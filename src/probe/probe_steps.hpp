#pragma once
// The steps of collect::probe(), each bounded by one deadline: resolving a
// name the way the client would, then dialling it. Internal to the probe;
// tests/unit/test_collect_probe.cpp drives the steps directly (a fake DNS
// server on loopback stands in for 127.0.0.11).

#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "whyno/model/facts.hpp"
#include "whyno/util/ip_address.hpp"
#include "whyno/model/protocol.hpp"

namespace whyno::probe::steps {

class Deadline {
 public:
  using Clock = std::chrono::steady_clock;

  explicit Deadline(std::chrono::milliseconds budget) : m_end(Clock::now() + budget) {}
  /// Whole milliseconds left, rounded up, never negative: a poll(2) timeout.
  int remaining_ms() const;
  bool expired() const { return Clock::now() >= m_end; }

 private:
  Clock::time_point m_end;
};

/// An address for connect(2), IPv4 or IPv6.
struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;

  int family() const { return storage.ss_family; }
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
};
SocketAddress socket_address(const IpAddress& address, std::uint16_t port);

/// poll(2) for `events` on `fd` until the deadline, across EINTR. Returns the
/// revents (0 at the deadline), or -1 with errno set.
int wait_for(int fd, short events, const Deadline& deadline);

struct Observation {
  ProbeResult::Outcome outcome = ProbeResult::Outcome::error;
  std::string detail;
};

/// What a failed socket call means for the client, whatever the stage that
/// reported it (connect(2) itself, SO_ERROR after a non-blocking connect, or
/// the first read): ECONNRESET and EPIPE are reset_or_closed, ECONNREFUSED
/// refused, EHOSTUNREACH/ENETUNREACH unreachable, ETIMEDOUT timed_out, and
/// anything else error, named after `call`.
Observation classify_socket_error(int error_number, std::string_view call);

/// Once connected, waits up to `settle` (within the deadline) for the peer:
/// data is answered, EOF or RST reset_or_closed, silence connected.
Observation observe_connected(int fd, std::chrono::milliseconds settle, const Deadline& deadline);

/// Dials `address`:`port` and observes. TCP: a non-blocking connect, then
/// observe_connected for up to `settle`; RST to the SYN is refused, ICMP
/// host/net unreachable is unreachable, nothing is timed_out. UDP: one empty
/// datagram on a connected socket; a reply is answered, ICMP port
/// unreachable is refused, silence is timed_out.
Observation dial(const IpAddress& address, std::uint16_t port, Protocol protocol,
                 std::chrono::milliseconds settle, const Deadline& deadline);

/// The first line of what a peer sent (up to CR or LF), at most 80 bytes,
/// raw: the renderer makes it printable.
std::string first_line(std::string_view received);

struct DnsLookup {
  enum class Status : std::uint8_t {
    found,      // `addresses` holds A answers first, then AAAA
    nxdomain,   // every answer said NXDOMAIN (or one did, and the other had no data)
    no_data,    // the name exists but has no A or AAAA record
    failure,    // another RCODE; `rcode` says which
    no_server,  // ICMP port unreachable: nothing listens (the default bridge)
    no_answer,  // silence until the deadline
    error,      // a socket call failed; `detail` says which
  };
  Status status = Status::error;
  std::vector<IpAddress> addresses;
  std::uint8_t rcode = 0;
  std::string detail;
};

/// Sends an A and an AAAA query for `name` to `server`:`port` over UDP, from
/// the calling thread's namespace, and waits for the answers until the
/// deadline, sending unanswered queries again every k_dns_resend_ms. Replies
/// with another id or question are ignored.
constexpr int k_dns_resend_ms = 250;
DnsLookup query_dns(const IpAddress& server, std::uint16_t port, std::string_view name,
                    const Deadline& deadline);

struct HostLookup {
  std::vector<IpAddress> addresses;  // in the resolver's order
  std::string failure;               // gai_strerror text, or a timeout note
};

/// The host's own resolver (getaddrinfo), bounded by the deadline. Must run
/// in the host's namespace: the lookup may outlive the call on a detached
/// thread of its own, which is only safe there.
HostLookup resolve_on_host(const std::string& name, Protocol protocol, const Deadline& deadline);

}  // namespace whyno::probe::steps
