// /etc/docker/daemon.json -> DaemonConfig, with the engine's defaults for
// every key the file leaves out (daemon/config/config*.go in moby).

#include <exception>

#include <fmt/format.h>

#include "engine_json_fields.hpp"
#include "engine_json.hpp"
#include "engine_reader.hpp"
#include "whyno/sys/owned_file.hpp"

namespace whyno::engine {

namespace {

using namespace json_fields;

// dockerd refuses a larger daemon.json long before this; it only bounds reads.
constexpr std::size_t k_max_daemon_json_bytes = std::size_t{1} << 20;
// Docker 27.0 turned ip6tables on by default.
constexpr int k_ip6tables_default_from_major = 27;

DaemonConfig defaults_for(const std::string& engine_version) {
  DaemonConfig config;
  config.ip6tables = engine_major_version(engine_version) >= k_ip6tables_default_from_major;
  return config;
}

void read_bool(const Json& json, std::string_view key, bool& field, std::string& problem) {
  const auto it = json.find(key);
  if (it == json.end()) {
    return;
  }
  if (it->is_boolean()) {
    field = it->get<bool>();
  } else if (problem.empty()) {
    problem =
        fmt::format("daemon.json sets \"{}\" to neither true nor false, so dockerd would refuse it", key);
  }
}

void read_string(const Json& json, std::string_view key, std::string& field, std::string& problem) {
  const auto it = json.find(key);
  if (it == json.end()) {
    return;
  }
  if (it->is_string()) {
    field = it->get<std::string>();
  } else if (problem.empty()) {
    problem = fmt::format(
        "daemon.json sets \"{}\" to something other than a string, so dockerd would refuse it", key);
  }
}

}  // namespace

int engine_major_version(std::string_view engine_version) {
  int major = 0;
  bool any = false;
  for (const char c : engine_version) {
    if (c < '0' || c > '9' || major > 10000) {
      break;
    }
    major = major * 10 + (c - '0');
    any = true;
  }
  return any ? major : 0;
}

DaemonConfig parse_daemon_config(std::string_view json_text, const std::string& engine_version) {
  DaemonConfig config = defaults_for(engine_version);
  if (json_text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    config.read = true;  // dockerd takes an empty file as "all defaults"
    return config;
  }
  try {
    const Json json = Json::parse(json_text, nullptr, false);
    if (json.is_discarded() || !json.is_object()) {
      config.problem = "daemon.json is not a JSON object, so dockerd would refuse to start with it";
      return config;
    }
    config.read = true;
    read_bool(json, "userland-proxy", config.userland_proxy, config.problem);
    read_bool(json, "iptables", config.iptables, config.problem);
    read_bool(json, "ip6tables", config.ip6tables, config.problem);
    read_bool(json, "ip-forward", config.ip_forward, config.problem);
    read_bool(json, "ip-masq", config.ip_masq, config.problem);
    read_bool(json, "icc", config.icc, config.problem);
    read_string(json, "ip", config.ip, config.problem);
    read_string(json, "firewall-backend", config.firewall_backend, config.problem);
  } catch (const std::exception& e) {
    config = defaults_for(engine_version);
    config.problem = fmt::format("daemon.json could not be read ({})", e.what());
  }
  return config;
}

DaemonConfig read_daemon_config(const std::string& path, const std::string& engine_version) {
  // Root's file: a FIFO, a symlink or a file of a user's in its place is not read.
  auto text = sys::read_owned_file(path, sys::FileOwner{0}, k_max_daemon_json_bytes);
  if (!text) {
    DaemonConfig config = defaults_for(engine_version);
    config.path = path;
    if (text.error().kind != Error::Kind::not_found) {
      config.problem = text.error().message;
    }
    return config;
  }
  DaemonConfig config = parse_daemon_config(*text, engine_version);
  config.path = path;
  return config;
}

}  // namespace whyno::engine
