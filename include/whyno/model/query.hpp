#pragma once
// The question the user asked, parsed once from the command line: every
// stage reads these typed values instead of parsing the text again.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "whyno/model/protocol.hpp"
#include "whyno/util/ip_address.hpp"

namespace whyno {

/// What the client dials.
struct Target {
  enum class Kind : std::uint8_t {
    localhost,  // "localhost": what `curl localhost:PORT` dials
    ip,         // an IPv4 or IPv6 literal ("[::1]" with brackets)
    name,       // a container name or alias (with --from CONTAINER), else a host name
    netns,      // with --pid/--netns and no ADDRESS: that namespace's own address
  };
  Kind kind = Kind::localhost;
  std::string text = "localhost";  // as typed, for sentences and the JSON query
  std::optional<IpAddress> ip;     // Kind::ip

  /// "localhost", an IP literal (IPv6 with or without brackets), or a name.
  static Target parse(std::string_view typed);

  bool is_name() const { return kind == Kind::name; }
  /// The address a connect(2) to it reaches on this host, when that is known
  /// without resolving: localhost is 127.0.0.1 (its IPv4 address: see
  /// core/client_addresses.hpp for ::1 before it), ::ffff:a.b.c.d is a.b.c.d,
  /// and 0.0.0.0 or [::] is this host's loopback, as the kernel routes them.
  std::optional<IpAddress> local_address() const;
  /// Whether the kernel would deliver it to this host's loopback.
  bool is_this_host_loopback() const;
};

/// Who dials: with --from, a container (by name or id) or another machine.
struct Client {
  enum class Kind : std::uint8_t { container, remote };
  Kind kind = Kind::container;
  std::string text;             // as typed
  std::optional<IpAddress> ip;  // Kind::remote

  /// An IP literal is another machine; anything else names a container. A
  /// loopback address is this host itself: nullopt.
  static std::optional<Client> parse(std::string_view typed);

  bool is_remote() const { return kind == Kind::remote; }
  bool is_container() const { return kind == Kind::container; }
};

/// --pid PID or --netns PATH: a network namespace to diagnose without an
/// engine (containerd, Kubernetes pods, LXC, ip netns).
struct NamespaceChoice {
  std::string path;   // an nsfs file: /proc/PID/ns/net or /run/netns/NAME
  int pid = 0;        // with --pid
  std::string label;  // how sentences name it: "pid 1234", "/run/netns/web"
};

struct Query {
  Target target;
  std::uint16_t port = 0;
  Protocol protocol = Protocol::tcp;
  /// --from: nullopt for a client on this host.
  std::optional<Client> from;
  /// --container: the container the user means, by name or id.
  std::optional<std::string> container;
  /// --pid or --netns.
  std::optional<NamespaceChoice> netns;
  /// --explain: record the netfilter walk step by step (Diagnosis::trace).
  bool explain = false;

  /// --from a container.
  bool from_container() const { return from && from->is_container(); }
  /// --from another machine.
  bool from_remote() const { return from && from->is_remote(); }
};

}  // namespace whyno
