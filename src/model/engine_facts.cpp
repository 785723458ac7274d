#include "whyno/model/engine_facts.hpp"

#include <fmt/format.h>

namespace whyno {

bool Network::is_default_bridge() const {
  const auto it = options.find("com.docker.network.bridge.default_bridge");
  return (it != options.end() && it->second == "true") || (name == "bridge" && driver == "bridge");
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

std::vector<EngineIdentity> Engine::identities() const {
  if (!engines.empty() || product.empty() || product == "none") {
    return engines;
  }
  return {EngineIdentity{product, version, api_version, socket, false, std::nullopt, false}};
}

std::string describe(const EngineIdentity& engine) {
  std::string text = engine.version.empty() ? engine.kind : fmt::format("{} {}", engine.kind, engine.version);
  if (engine.from_files) {
    const std::string who = engine.rootless && engine.uid ? fmt::format("rootless, uid {}", *engine.uid)
                            : engine.rootless             ? std::string("rootless")
                                                          : std::string("rootful");
    return fmt::format("{} ({}, read from its files: no API answered)", text, who);
  }
  if (engine.rootless) {
    text += engine.uid ? fmt::format(" (rootless, uid {})", *engine.uid) : std::string(" (rootless)");
  } else if (engine.kind != "docker") {
    // Docker is rootful unless it says otherwise; podman is run both ways as often.
    text += " (rootful)";
  }
  return text;
}

}  // namespace whyno
