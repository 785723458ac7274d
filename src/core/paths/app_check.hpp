#pragma once
// The last hop: does an app in this namespace take traffic for address:port?

#include <cstdint>
#include <vector>

#include "whyno/model/netns_facts.hpp"

namespace whyno {

struct AppCheck {
  enum class Outcome {
    accepting,       // a socket takes the traffic
    backlog_full,    // a socket would take it, but its accept queue is full
    loopback_only,   // sockets on the port, all bound to 127.0.0.0/8 or ::1
    other_family,    // sockets on the port take only the other IP version
    other_address,   // sockets on the port, bound to addresses traffic doesn't use
    other_protocol,  // nothing on the port, but the other protocol listens there
    closed,          // nothing on the port at all
  };
  Outcome outcome = Outcome::closed;
  const Listener* listener = nullptr;           // the accepting socket
  std::vector<const Listener*> on_port;         // every socket on the port
  std::vector<const Listener*> other_protocol;  // the port, the other protocol
  /// Sockets of the same protocol on other ports that would take traffic
  /// for the address: where the app really listens.
  std::vector<const Listener*> elsewhere;
};

AppCheck check_app(const std::vector<Listener>& listeners, Protocol protocol, const IpAddress& destination,
                   std::uint16_t port);

/// The port an app most likely serves on, from `elsewhere`; 0 if none.
std::uint16_t likely_app_port(const AppCheck& check);

}  // namespace whyno
