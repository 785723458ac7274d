#include "publication.hpp"

#include <algorithm>

namespace whyno::detail {

bool host_ip_covers(const std::string& host_ip, const IpAddress& destination) {
  if (host_ip.empty() || host_ip == "0.0.0.0" || host_ip == "::") {
    return true;
  }
  const auto ip = IpAddress::parse(host_ip);
  return ip && *ip == destination;
}

std::string host_ip_text(const PortBinding& b) { return b.host_ip.empty() ? "0.0.0.0" : b.host_ip; }

std::string host_ip_for_port(const PortBinding& b) {
  const auto ip = IpAddress::parse(host_ip_text(b));
  return ip ? ip->to_string_for_port() : host_ip_text(b);
}

std::vector<Publication> publications_of(const Facts& facts, std::uint16_t port) {
  std::vector<Publication> out;
  if (!facts.engine) {
    return out;
  }
  for (const auto& c : facts.engine->containers) {
    const auto add = [&](const std::vector<PortBinding>& bindings, bool live) {
      for (const auto& b : bindings) {
        if (b.host_port != port) {
          continue;
        }
        const bool seen = std::any_of(out.begin(), out.end(), [&](const Publication& p) {
          return p.container == &c && p.binding.container_port == b.container_port &&
                 p.binding.protocol == b.protocol && host_ip_text(p.binding) == host_ip_text(b);
        });
        if (!seen) {
          out.push_back({&c, b, live});
        }
      }
    };
    add(c.actual, true);
    add(c.intended, false);
  }
  return out;
}

}  // namespace whyno::detail
