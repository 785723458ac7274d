#pragma once
// What the active probe saw: the connection a client would make, tried once
// the facts are read, kept beside them and compared with the verdict.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace whyno {

/// A TCP listening socket read again once the probe is done: connections
/// the kernel completed that the app has not accepted, and every connection
/// on its port (see Listener::connections).
struct ListenerAfterProbe {
  std::uint64_t socket = 0;  // the listener's inode
  std::uint32_t waiting = 0;
  std::uint32_t connections = 0;
};

/// What a connection attempt saw, when whyno-port tried it.
struct ProbeResult {
  enum class Outcome : std::uint8_t {
    answered,         // connected, and the peer sent data (UDP: a reply came back)
    connected,        // connected; the peer stayed silent but kept the connection
    refused,          // RST in answer to the SYN (UDP: ICMP port unreachable)
    reset_or_closed,  // accepted, then reset or closed (docker-proxy's "Empty reply")
    timed_out,        // no answer to the SYN (UDP: no reply and no error)
    unresolved,       // the name did not resolve
    unreachable,      // EHOSTUNREACH / ENETUNREACH
    error,
    skipped,  // not tried; detail says why (--no-probe, a client off this host)
  };
  Outcome outcome = Outcome::error;
  std::string from;    // "this host" or "container `client`"
  std::string target;  // what was dialled, e.g. "server:3000 (172.18.0.2)"
  std::string detail;  // errno text, or the first bytes received (sanitised later)
  double milliseconds = 0;
  /// After a TCP connection completed: the listeners of the namespaces
  /// read, again. The probe's connection still waiting in one means the app
  /// never took it (app-not-accepting); one more connection on the app's
  /// port than before is its arrival (ProbeReport::proof).
  std::vector<ListenerAfterProbe> listeners_after;
};

/// "answered", "reset-or-closed", ...: the JSON names of probe outcomes.
std::string_view outcome_name(ProbeResult::Outcome outcome);

/// What a client saw, in words: "connected and answered".
std::string_view outcome_words(ProbeResult::Outcome outcome);

}  // namespace whyno
