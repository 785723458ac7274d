#pragma once
// docker-proxy, the userland proxy: which host port it serves and where it
// forwards, read from its command line.

#include <cstdint>
#include <optional>
#include <string_view>

#include "whyno/util/ip_address.hpp"
#include "whyno/model/netns_facts.hpp"
#include "whyno/model/protocol.hpp"

namespace whyno {

struct ProxyForward {
  Protocol protocol = Protocol::tcp;
  std::optional<IpAddress> host_ip;
  std::uint16_t host_port = 0;
  IpAddress container_ip;
  std::uint16_t container_port = 0;
};

/// The system's docker-proxy, run by `owner` (root, or the user of
/// rootless Docker's namespace): a user's copy named docker-proxy, or one
/// run by another uid, is an ordinary process whose -container-ip means
/// nothing.
bool is_docker_proxy(const ProcessRef& p, unsigned owner);

/// Parses `docker-proxy -proto tcp -host-ip 0.0.0.0 -host-port 8080
/// -container-ip 172.17.0.2 -container-port 3000`.
std::optional<ProxyForward> parse_docker_proxy(std::string_view cmdline);

/// The forward of the first docker-proxy of `owner_uid` among the socket's owners.
std::optional<ProxyForward> proxy_forward(const Listener& l, unsigned owner_uid);

}  // namespace whyno
