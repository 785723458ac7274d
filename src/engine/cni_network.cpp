#include "whyno/engine/cni_network.hpp"

#include <algorithm>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "whyno/sys/owned_file.hpp"

namespace whyno::engine {

namespace {

// A network configuration is a few KiB; a node has a handful.
constexpr std::size_t k_max_config_bytes = std::size_t{1} << 20;
constexpr std::size_t k_max_config_files = 4096;
constexpr std::size_t k_max_plugins = 64;

bool is_config_file(std::string_view name) {
  return !name.starts_with(".") &&
         (name.ends_with(".conf") || name.ends_with(".conflist") || name.ends_with(".json"));
}

/// A plugin's type when it is a plain word (it names a binary in CNI's path).
std::string plugin_type(const nlohmann::json& plugin) {
  if (!plugin.is_object() || !plugin.contains("type") || !plugin["type"].is_string()) {
    return {};
  }
  std::string type = plugin["type"].get<std::string>();
  const bool plain = !type.empty() && type.size() <= 64 && std::all_of(type.begin(), type.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
  return plain ? type : std::string();
}

}  // namespace

Result<CniNetwork> parse_cni_network(std::string_view text, const std::string& path) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return fail(Error::Kind::invalid, fmt::format("{} is not a JSON object", path));
  }
  CniNetwork net;
  net.read = true;
  net.path = path;
  if (j.contains("name") && j["name"].is_string()) {
    net.name = j["name"].get<std::string>().substr(0, 253);
  }
  if (j.contains("plugins") && j["plugins"].is_array()) {
    for (const nlohmann::json& p : j["plugins"]) {
      if (net.plugins.size() == k_max_plugins) {
        break;
      }
      if (std::string type = plugin_type(p); !type.empty()) {
        net.plugins.push_back(std::move(type));
      }
    }
  } else if (std::string type = plugin_type(j); !type.empty()) {
    net.plugins.push_back(std::move(type));
  } else {
    return fail(Error::Kind::invalid, fmt::format("{} has neither \"plugins\" nor \"type\"", path));
  }
  return net;
}

Result<CniNetwork> read_cni_network(const std::string& host_root) {
  const std::string dir = host_root + "/etc/cni/net.d";
  WHYNO_TRY_ASSIGN(std::vector<std::string> names,
                   sys::list_owned_directory(dir, sys::FileOwner{0}, k_max_config_files));
  std::erase_if(names, [](const std::string& n) { return !is_config_file(n); });
  std::sort(names.begin(), names.end());
  if (names.empty()) {
    return fail(Error::Kind::not_found, fmt::format("{} holds no network configuration", dir));
  }
  const std::string path = dir + "/" + names.front();
  WHYNO_TRY_ASSIGN(const std::string text, sys::read_owned_file(path, sys::FileOwner{0}, k_max_config_bytes));
  return parse_cni_network(text, path);
}

}  // namespace whyno::engine
