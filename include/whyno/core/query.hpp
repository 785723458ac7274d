#pragma once
// The question the user asked, parsed from the command line.

#include <cstdint>
#include <optional>
#include <string>

#include "whyno/core/protocol.hpp"

namespace whyno {

struct Query {
  /// As typed: "localhost", an IP literal, a container name or alias (--from),
  /// or a host name. Defaults to localhost, which is what `curl localhost:PORT`
  /// dials.
  std::string address = "localhost";
  std::uint16_t port = 0;
  Protocol protocol = Protocol::tcp;
  /// --from: the client container, by name or id.
  std::optional<std::string> from;
  /// --container: the container the user means, by name or id.
  std::optional<std::string> container;
};

}  // namespace whyno
