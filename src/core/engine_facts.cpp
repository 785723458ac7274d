#include "whyno/core/engine_facts.hpp"

namespace whyno {

bool Network::is_default_bridge() const {
  const auto it = options.find("com.docker.network.bridge.default_bridge");
  return (it != options.end() && it->second == "true") ||
         (name == "bridge" && driver == "bridge");
}

std::string Network::bridge_name() const {
  if (driver != "bridge") {
    return {};
  }
  const auto it = options.find("com.docker.network.bridge.name");
  if (it != options.end() && !it->second.empty()) {
    return it->second;
  }
  // Docker names user-defined bridges br-<first 12 hex digits of the id>.
  return is_default_bridge() ? "docker0" : "br-" + id.substr(0, 12);
}

}  // namespace whyno
