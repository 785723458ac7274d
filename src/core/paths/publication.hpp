#pragma once
// The engine's intent for a host port: which containers publish it, on
// which host address and protocol.

#include <vector>

#include "whyno/model/facts.hpp"

namespace whyno::detail {

struct Publication {
  const Container* container = nullptr;
  PortBinding binding;
  bool live = false;  // in NetworkSettings.Ports, not only in HostConfig
};

/// Every binding of host port `port`, any protocol or host address, live
/// bindings first, one entry per container and container port.
std::vector<Publication> publications_of(const Facts& facts, std::uint16_t port);

/// Does a binding's HostIp take traffic for `destination`?
bool host_ip_covers(const std::string& host_ip, const IpAddress& destination);

/// The host address a binding listens on, for sentences: "0.0.0.0" for "".
std::string host_ip_text(const PortBinding& b);

/// "0.0.0.0", "[::]", "127.0.0.1": the address as it goes before ":PORT".
std::string host_ip_for_port(const PortBinding& b);

/// Commands that publish `container_port` of `c` on `host_port`: a Compose
/// service is re-created by docker-compose once its file says so; any other
/// container is stopped and renamed (nothing is deleted), then started
/// again from its image with the port, its other options to be added.
std::vector<std::string> republish_commands(const Container& c, std::uint16_t host_port,
                                            std::uint16_t container_port, Protocol protocol);

}  // namespace whyno::detail
