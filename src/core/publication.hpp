#pragma once
// The engine's intent for a host port: which containers publish it, on
// which host address and protocol.

#include <vector>

#include "whyno/core/facts.hpp"

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

}  // namespace whyno::detail
