// GET /containers/{id}/json -> Container, and GET /containers/json -> the
// same, as far as the list shows it.

#include <algorithm>
#include <exception>

#include <fmt/format.h>

#include "whyno/util/printable.hpp"
#include "engine_json_fields.hpp"
#include "engine_json.hpp"

namespace whyno::engine {

namespace {

using namespace json_fields;

ContainerState parse_state(const Json& inspect) {
  ContainerState state;
  const Json* json = member(inspect, "State");
  if (json) {
    state.status = string_at(*json, "Status");
    state.running = bool_at(*json, "Running");
    state.paused = bool_at(*json, "Paused");
    state.restarting = bool_at(*json, "Restarting");
    state.oom_killed = bool_at(*json, "OOMKilled");
    state.dead = bool_at(*json, "Dead");
    state.pid = int_at(*json, "Pid");
    state.exit_code = int_at(*json, "ExitCode");
    state.error = string_at(*json, "Error");
    state.started_at = string_at(*json, "StartedAt");
    state.finished_at = string_at(*json, "FinishedAt");
  }
  // Top-level in the inspect answer, not inside State.
  state.restart_count = int_at(inspect, "RestartCount");
  return state;
}

/// {"3000/tcp": [{"HostIp": "", "HostPort": "8080"}], "4000/udp": null}.
/// `list_unbound` decides what a port with no bindings means: in
/// HostConfig.PortBindings it is still a request to publish (the engine fills
/// in an ephemeral port), in NetworkSettings.Ports it is exposed only.
std::vector<PortBinding> parse_bindings(const Json* ports, bool list_unbound) {
  std::vector<PortBinding> out;
  if (!ports || !ports->is_object()) {
    return out;
  }
  for (const auto& [key, bindings] : ports->items()) {
    const auto port_key = parse_port_key(key);
    if (!port_key) {
      continue;  // sctp, or malformed
    }
    PortBinding binding;
    binding.protocol = port_key->protocol;
    binding.container_port = port_key->port;
    if (!bindings.is_array() || bindings.empty()) {
      if (list_unbound) {
        out.push_back(binding);
      }
      continue;
    }
    for (const auto& host : bindings) {
      PortBinding one = binding;
      one.host_ip = string_at(host, "HostIp");
      // "" asks for an ephemeral port; a range ("8000-8010") lets the engine
      // pick one; neither names a port yet, so both read as 0.
      one.host_port = parse_port(string_at(host, "HostPort")).value_or(0);
      out.push_back(std::move(one));
    }
  }
  return out;
}

std::vector<ExposedPort> parse_exposed(const Json* exposed) {
  std::vector<ExposedPort> out;
  if (!exposed || !exposed->is_object()) {
    return out;
  }
  for (const auto& [key, ignored] : exposed->items()) {
    if (const auto port_key = parse_port_key(key)) {
      out.push_back(ExposedPort{port_key->protocol, port_key->port});
    }
  }
  return out;
}

std::vector<ContainerNetwork> parse_container_networks(const Json* networks) {
  std::vector<ContainerNetwork> out;
  if (!networks || !networks->is_object()) {
    return out;
  }
  for (const auto& [name, endpoint] : networks->items()) {
    ContainerNetwork network;
    network.name = name;
    network.network_id = string_at(endpoint, "NetworkID");
    network.ipv4 = address_at(endpoint, "IPAddress");
    if (network.ipv4) {
      const int length = int_at(endpoint, "IPPrefixLen");
      network.ipv4_prefix_len = length >= 0 && length <= 32 ? static_cast<unsigned>(length) : 0;
    }
    network.ipv6 = address_at(endpoint, "GlobalIPv6Address");
    network.gateway = address_at(endpoint, "Gateway");
    network.aliases = strings_at(endpoint, "Aliases");
    network.dns_names = strings_at(endpoint, "DNSNames");
    out.push_back(std::move(network));
  }
  return out;
}

Container parse_container_object(const Json& inspect) {
  Container c;
  c.id = string_at(inspect, "Id");
  c.name = string_at(inspect, "Name");
  if (c.name.starts_with('/')) {
    c.name.erase(0, 1);
  }
  c.created = string_at(inspect, "Created");
  c.state = parse_state(inspect);

  static const Json k_empty = Json::object();
  const Json* config = member(inspect, "Config");
  const Json* host_config = member(inspect, "HostConfig");
  const Json* settings = member(inspect, "NetworkSettings");
  const Json& config_ref = config ? *config : k_empty;
  const Json& host_ref = host_config ? *host_config : k_empty;
  const Json& settings_ref = settings ? *settings : k_empty;

  // Config.Image is what the user asked for ("bb"); the top-level Image is
  // the resolved sha256 id, a worse name for people.
  c.image = string_at(config_ref, "Image");
  if (c.image.empty()) {
    c.image = string_at(inspect, "Image");
  }
  c.hostname = string_at(config_ref, "Hostname");
  if (const Json* labels = member(config_ref, "Labels"); labels != nullptr && labels->is_object()) {
    c.compose_project = string_at(*labels, "com.docker.compose.project");
    c.compose_service = string_at(*labels, "com.docker.compose.service");
  }
  c.exposed = parse_exposed(member(config_ref, "ExposedPorts"));

  c.network_mode = string_at(host_ref, "NetworkMode");
  c.intended = parse_bindings(member(host_ref, "PortBindings"), true);
  c.publish_all = bool_at(host_ref, "PublishAllPorts");
  c.links = strings_at(host_ref, "Links");

  c.actual = parse_bindings(member(settings_ref, "Ports"), false);
  c.networks = parse_container_networks(member(settings_ref, "Networks"));
  c.sandbox_key = string_at(settings_ref, "SandboxKey");
  c.hosts_path = string_at(inspect, "HostsPath");
  return c;
}

/// The list's "Ports": [{"IP": "0.0.0.0", "PrivatePort": 3000, "PublicPort":
/// 8080, "Type": "tcp"}, {"PrivatePort": 4000, "Type": "tcp"}]: the live
/// bindings, as NetworkSettings.Ports gives them (an entry without a
/// PublicPort is only exposed), in the inspect's order: by "PORT/PROTO" key.
std::vector<PortBinding> parse_listed_ports(const Json* ports) {
  std::vector<std::pair<std::string, PortBinding>> keyed;
  if (!ports || !ports->is_array()) {
    return {};
  }
  for (const Json& entry : *ports) {
    const auto protocol = parse_protocol(string_at(entry, "Type"));
    const int container_port = int_at(entry, "PrivatePort");
    const int host_port = int_at(entry, "PublicPort");
    if (!protocol || container_port <= 0 || container_port > 65535 || host_port <= 0 || host_port > 65535) {
      continue;
    }
    PortBinding b;
    b.protocol = *protocol;
    b.container_port = static_cast<std::uint16_t>(container_port);
    b.host_ip = string_at(entry, "IP");
    b.host_port = static_cast<std::uint16_t>(host_port);
    keyed.emplace_back(fmt::format("{}/{}", b.container_port, to_string(b.protocol)), std::move(b));
  }
  std::stable_sort(keyed.begin(), keyed.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<PortBinding> out;
  for (auto& [key, binding] : keyed) {
    out.push_back(std::move(binding));
  }
  return out;
}

/// One entry of the list. Names holds link names too ("/app/db"): the
/// container's own is the one without a second slash.
Container parse_listed_container(const Json& entry) {
  Container c;
  c.inspected = false;
  c.id = string_at(entry, "Id");
  const std::vector<std::string> names = strings_at(entry, "Names");
  for (const std::string& name : names) {
    const std::string_view bare = std::string_view(name).substr(name.starts_with('/') ? 1 : 0);
    if (bare.find('/') == std::string_view::npos) {
      c.name = std::string(bare);
      break;
    }
  }
  if (c.name.empty() && !names.empty()) {
    c.name = names.front().substr(names.front().starts_with('/') ? 1 : 0);
  }
  c.image = string_at(entry, "Image");
  // The states of State.Status; Running stays true while paused or restarting.
  c.state.status = string_at(entry, "State");
  c.state.running =
      c.state.status == "running" || c.state.status == "paused" || c.state.status == "restarting";
  c.state.paused = c.state.status == "paused";
  c.state.restarting = c.state.status == "restarting";
  c.state.dead = c.state.status == "dead";
  if (const Json* labels = member(entry, "Labels"); labels != nullptr && labels->is_object()) {
    c.compose_project = string_at(*labels, "com.docker.compose.project");
    c.compose_service = string_at(*labels, "com.docker.compose.service");
  }
  if (const Json* host = member(entry, "HostConfig")) {
    c.network_mode = string_at(*host, "NetworkMode");
  }
  c.actual = parse_listed_ports(member(entry, "Ports"));
  if (const Json* settings = member(entry, "NetworkSettings")) {
    c.networks = parse_container_networks(member(*settings, "Networks"));
  }
  return c;
}

}  // namespace

Result<std::vector<Container>> parse_container_list(std::string_view list_json) {
  constexpr std::string_view endpoint = "GET /containers/json";
  try {
    const Json list = Json::parse(list_json, nullptr, false);
    if (list.is_discarded()) {
      return fail(Error::Kind::invalid, fmt::format("the engine's answer to {} is not valid JSON", endpoint));
    }
    if (!list.is_array()) {
      return fail(Error::Kind::invalid,
                  fmt::format("the engine's answer to {} is not a JSON array", endpoint));
    }
    std::vector<Container> out;
    for (const Json& entry : list) {
      Container c = parse_listed_container(entry);
      // Ids go into request paths: accept only what an engine id can be.
      if (!is_container_id(c.id)) {
        return fail(Error::Kind::invalid,
                    fmt::format("the engine's answer to {} lists '{}', which is not a container id", endpoint,
                                excerpt(c.id, 80)));
      }
      out.push_back(std::move(c));
    }
    return out;
  } catch (const std::exception& e) {
    return fail(Error::Kind::invalid, fmt::format("the engine's answer to {} could not be read ({})",
                                                  endpoint, excerpt(e.what(), 120)));
  }
}

Result<Container> parse_container(std::string_view inspect_json) {
  constexpr std::string_view endpoint = "GET /containers/{id}/json";
  try {
    const Json inspect = Json::parse(inspect_json, nullptr, false);
    if (inspect.is_discarded()) {
      // Invalid UTF-8 inside a string lands here too: JSON is UTF-8 only.
      return fail(Error::Kind::invalid, fmt::format("the engine's answer to {} is not valid JSON", endpoint));
    }
    if (!inspect.is_object()) {
      return fail(Error::Kind::invalid,
                  fmt::format("the engine's answer to {} is not a JSON object", endpoint));
    }
    Container c = parse_container_object(inspect);
    if (c.id.empty()) {
      return fail(Error::Kind::invalid,
                  fmt::format("the engine's answer to {} has no container Id", endpoint));
    }
    return c;
  } catch (const std::exception& e) {
    return fail(Error::Kind::invalid, fmt::format("the engine's answer to {} could not be read ({})",
                                                  endpoint, excerpt(e.what(), 120)));
  }
}

}  // namespace whyno::engine
