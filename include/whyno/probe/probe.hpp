#pragma once
// The active probe: tries the connection the user's client would make, from
// the client's network namespace, and reports what the client would see. It
// connects and observes; it sends no application data (TCP: nothing at all;
// UDP: one empty datagram).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "whyno/model/facts.hpp"
#include "whyno/util/ip_address.hpp"
#include "whyno/model/protocol.hpp"

namespace whyno::probe {

struct ProbeTarget {
  std::string text;                 // as the client dials it, for the report: "server:3000", "127.0.0.1:8080"
  std::optional<std::string> name;  // a name to resolve (see ProbeOptions), or nullopt when `address` is set
  std::optional<IpAddress> address;  // a literal address to dial
  /// Dialled in order after `address` while each attempt fails at connect()
  /// (refused, unreachable, no answer), as curl goes through a name's
  /// addresses; each but the last gets its share of the timeout, 200 ms at
  /// least (curl's happy-eyeballs head start).
  std::vector<IpAddress> fallbacks;
  std::uint16_t port = 0;
  Protocol protocol = Protocol::tcp;
};

struct ProbeOptions {
  std::chrono::milliseconds timeout{1000};  // whole probe, including resolution
  /// After a TCP connect, how long the probe waits for the peer to speak or
  /// hang up: docker-proxy closes within milliseconds when its backend
  /// refuses, and a banner (SSH, SMTP) comes at once. Within `timeout`.
  std::chrono::milliseconds settle{100};
  /// nullopt: probe from the calling thread's namespace (the host). Otherwise
  /// an nsfs path such as /proc/<pid>/ns/net: the probe runs on a thread of
  /// its own that joins it, and that thread does nothing else.
  std::optional<std::string> netns_path;
  std::string from;  // "this host" or "container `client`", copied into the result
  /// How a container resolves `name`: first the hosts file, read from the
  /// HOST filesystem (Docker's HostsPath, e.g.
  /// /var/lib/docker/containers/<id>/hosts, which carries --link and
  /// --add-host entries), then, if `use_embedded_dns`, an A and an AAAA query
  /// to Docker's embedded DNS at 127.0.0.11:53 from inside the namespace
  /// (user-defined networks). The container's mount namespace is never
  /// entered. With neither set and no `netns_path`, the host's own resolver
  /// (getaddrinfo) is asked, bounded by the timeout.
  bool use_embedded_dns = false;
  /// Where that DNS is: nullopt for 127.0.0.11 (Docker); podman's aardvark-dns
  /// listens on the network's gateway.
  std::optional<IpAddress> dns_server;
  std::optional<std::string> hosts_file;
  /// Whose file it is: the uid of the engine that named it. A user's engine
  /// may name any path; only a regular file of that user's is read.
  unsigned hosts_file_owner = 0;
};

/// Never fails: every failure, its own included, is an outcome in the result
/// (setns without CAP_SYS_ADMIN, for one, is Outcome::error). When a name
/// resolves to IPv4 and IPv6 addresses, the first IPv4 address is dialled,
/// as RFC 6724 orders IPv4 before the ULA addresses Docker hands out.
ProbeResult probe(const ProbeTarget& target, const ProbeOptions& options);

}  // namespace whyno::probe
