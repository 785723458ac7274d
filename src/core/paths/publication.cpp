#include "publication.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "whyno/util/words.hpp"

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

std::vector<std::string> republish_commands(const Container& c, std::uint16_t host_port,
                                            std::uint16_t container_port, Protocol protocol) {
  const std::string mapping = protocol == Protocol::tcp
                                  ? fmt::format("{}:{}", host_port, container_port)
                                  : fmt::format("{}:{}/{}", host_port, container_port, to_string(protocol));
  if (!c.compose_service.empty()) {
    return {fmt::format("# docker-compose.yml, service {}: ports: [\"{}\"]", shell_word(c.compose_service),
                        mapping),
            fmt::format("docker-compose --project-name {} up -d {}", shell_word(c.compose_project),
                        shell_word(c.compose_service))};
  }
  if (c.image.empty()) {
    return {};
  }
  const std::string name = shell_word(c.name);
  const char* cli = cli_of(c);
  return {fmt::format("{} stop {} && {} rename {} {}", cli, name, cli, name, shell_word(c.name + "-old")),
          fmt::format("{} run -d --name {} -p {} {}  # and its other options", cli, name, mapping,
                      shell_word(c.image))};
}

}  // namespace whyno::detail
