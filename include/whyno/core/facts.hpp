#pragma once
// Everything whyno-port knows about the host when it diagnoses: plain data
// gathered by collect/, saved and replayed by snapshot/, read by core/.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "whyno/core/engine_facts.hpp"
#include "whyno/core/netfilter.hpp"
#include "whyno/core/netns_facts.hpp"

namespace whyno {

/// Sysctls of the host namespace that decide whether forwarded traffic flows.
struct Sysctls {
  std::optional<bool> ipv4_forward;                // net.ipv4.ip_forward
  std::optional<bool> ipv6_forward;                // net.ipv6.conf.all.forwarding
  std::map<std::string, bool> ipv4_iface_forward;  // net.ipv4.conf.<if>.forwarding
  std::map<std::string, bool> route_localnet;      // net.ipv4.conf.<if>.route_localnet
  std::optional<bool> bridge_nf_call_iptables;     // absent until br_netfilter loads
  std::optional<bool> bridge_nf_call_ip6tables;
  std::optional<int> somaxconn;
  /// net.ipv4.ip_unprivileged_port_start: the lowest port a rootless engine may bind.
  std::optional<int> unprivileged_port_start;
};

/// What a connection attempt saw, when whyno-port tried it.
struct ProbeResult {
  enum class Outcome : std::uint8_t {
    answered,        // connected, and the peer sent data (UDP: a reply came back)
    connected,       // connected; the peer stayed silent but kept the connection
    refused,         // RST in answer to the SYN (UDP: ICMP port unreachable)
    reset_or_closed, // accepted, then reset or closed (docker-proxy's "Empty reply")
    timed_out,       // no answer to the SYN (UDP: no reply and no error)
    unresolved,      // the name did not resolve
    unreachable,     // EHOSTUNREACH / ENETUNREACH
    error,
    skipped,         // not tried; detail says why (--no-probe, a client off this host)
  };
  Outcome outcome = Outcome::error;
  std::string from;     // "this host" or "container `client`"
  std::string target;   // what was dialled, e.g. "server:3000 (172.18.0.2)"
  std::string detail;   // errno text, or the first bytes received (sanitised later)
  double milliseconds = 0;
};

/// The network namespace a rootless engine's port forwarder dials into:
/// rootless Docker's rootlesskit holds the host ports and dials
/// 127.0.0.1:PORT in the namespace of its child, where dockerd runs with its
/// docker-proxy and its own rules. Read like the host's.
struct ForwarderNamespace {
  int forwarder_pid = 0;           // the rootlesskit that holds the host ports
  int child_pid = 0;               // its child, which created the namespace
  std::optional<unsigned> uid;     // the forwarder's owner
  NetnsFacts netns;
  nf::Ruleset ruleset;
  Sysctls sysctls;
};

struct Facts {
  std::optional<Engine> engine;  // nullopt: the engine could not be reached
  NetnsFacts host;
  nf::Ruleset ruleset;           // the host namespace's netfilter rules
  Sysctls sysctls;
  /// The network namespaces of running containers, by container id.
  std::map<std::string, NetnsFacts> container_netns;
  /// Addresses the query's ADDRESS resolved to on the host (getaddrinfo).
  std::vector<IpAddress> resolved_addresses;
  std::optional<ProbeResult> probe;  // nullopt: no probe was planned at all
  std::int64_t collected_at = 0;     // epoch seconds when the facts were read (0: unknown)
  std::vector<Unread> unread;    // sources that could not be read at all
  /// Rootless Docker's namespaces behind the rootlesskit processes that
  /// hold host ports.
  std::vector<ForwarderNamespace> forwarder_namespaces;
  /// Whose namespace `host` is: root's (0), or, when rootless Docker's
  /// namespace is diagnosed as a host of its own, its user's. Engine
  /// processes there (docker-proxy) run as that uid.
  unsigned host_owner = 0;
};

}  // namespace whyno
