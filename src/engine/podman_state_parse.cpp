// Parsers of podman's state files (podman_state.hpp): pure, lenient about
// fields that come and go, strict about the shape.

#include "podman_state.hpp"

#include <charconv>

#include "engine_json.hpp"
#include "engine_json_fields.hpp"
#include "whyno/util/printable.hpp"

namespace whyno::engine {

namespace {

using json_fields::bool_at;
using json_fields::Json;
using json_fields::member;
using json_fields::parse_prefix;
using json_fields::string_at;

Result<Json> parse_json(std::string_view text, std::string_view what) {
  Json json = Json::parse(text, nullptr, false);
  if (json.is_discarded()) {
    return fail(Error::Kind::invalid, std::string(what) + " is not JSON");
  }
  return json;
}

std::vector<std::string_view> fields(std::string_view line, char separator) {
  std::vector<std::string_view> out;
  while (!line.empty()) {
    const auto end = line.find(separator);
    const std::string_view field = line.substr(0, end);
    if (!field.empty()) {
      out.push_back(field);
    }
    if (end == std::string_view::npos) {
      break;
    }
    line.remove_prefix(end + 1);
  }
  return out;
}

std::vector<std::string_view> lines(std::string_view text) { return fields(text, '\n'); }

}  // namespace

Result<std::vector<StoredContainer>> parse_storage_containers(std::string_view text) {
  WHYNO_TRY_ASSIGN(const Json json, parse_json(text, "containers.json"));
  if (!json.is_array()) {
    return fail(Error::Kind::invalid, "containers.json is not a list");
  }
  std::vector<StoredContainer> out;
  for (const Json& entry : json) {
    StoredContainer c;
    c.id = string_at(entry, "id");
    if (!is_container_id(c.id)) {
      continue;  // it goes into paths: only ids that look like ids
    }
    if (const Json* names = member(entry, "names");
        names && names->is_array() && !names->empty() && names->front().is_string()) {
      c.name = names->front().get<std::string>();
    }
    c.image = string_at(entry, "image");
    // metadata is JSON in a string: {"image-name":...,"name":...}
    const Json metadata = Json::parse(string_at(entry, "metadata"), nullptr, false);
    if (const std::string image_name = string_at(metadata, "image-name"); !image_name.empty()) {
      c.image = image_name;
    }
    c.created = string_at(entry, "created");
    out.push_back(std::move(c));
  }
  return out;
}

Result<OciSpec> parse_oci_spec(std::string_view text) {
  WHYNO_TRY_ASSIGN(const Json json, parse_json(text, "the OCI spec"));
  OciSpec spec;
  spec.hostname = string_at(json, "hostname");
  if (const Json* linux_part = member(json, "linux")) {
    if (const Json* namespaces = member(*linux_part, "namespaces"); namespaces && namespaces->is_array()) {
      for (const Json& ns : *namespaces) {
        if (string_at(ns, "type") == "network") {
          spec.network_namespace = true;
          spec.netns_path = string_at(ns, "path");
        }
      }
    }
  }
  if (const Json* mounts = member(json, "mounts"); mounts && mounts->is_array()) {
    for (const Json& m : *mounts) {
      if (string_at(m, "destination") == "/etc/hosts") {
        spec.hosts_path = string_at(m, "source");
      }
    }
  }
  if (const Json* annotations = member(json, "annotations")) {
    spec.libpod = string_at(*annotations, "io.container.manager") == "libpod";
  }
  return spec;
}

std::optional<int> parse_pidfile(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
    text.remove_suffix(1);
  }
  int pid = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), pid);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size() || pid <= 0) {
    return std::nullopt;
  }
  return pid;
}

PodmanHosts parse_podman_hosts(std::string_view text, std::string_view name) {
  PodmanHosts hosts;
  for (std::string_view line : lines(text)) {
    line = line.substr(0, line.find('#'));
    std::vector<std::string_view> words;
    for (const std::string_view word : fields(line, ' ')) {
      for (const std::string_view part : fields(word, '\t')) {
        words.push_back(part);
      }
    }
    if (words.size() < 2) {
      continue;
    }
    const auto address = IpAddress::parse(words.front());
    if (!address || address->is_loopback()) {
      continue;
    }
    for (std::size_t i = 1; i < words.size(); ++i) {
      if (words[i] == "host.containers.internal" && !hosts.gateway) {
        hosts.gateway = address;
      } else if (words[i] == name) {
        hosts.own.push_back(*address);
        break;
      }
    }
  }
  return hosts;
}

AardvarkNetwork parse_aardvark(std::string_view text) {
  AardvarkNetwork network;
  const std::vector<std::string_view> all = lines(text);
  if (all.empty()) {
    return network;
  }
  // The first line is the gateway (several, comma-separated, with IPv6).
  if (const auto gateways = fields(all.front(), ','); !gateways.empty()) {
    network.gateway = IpAddress::parse(gateways.front());
  }
  for (std::size_t i = 1; i < all.size(); ++i) {
    // "ID IPV4S IPV6S NAMES": an empty column leaves two spaces, so split
    // keeping empty columns.
    std::vector<std::string_view> columns;
    std::string_view rest = all[i];
    for (auto space = rest.find(' '); space != std::string_view::npos; space = rest.find(' ')) {
      columns.push_back(rest.substr(0, space));
      rest.remove_prefix(space + 1);
    }
    columns.push_back(rest);
    if (columns.size() != 4 || !is_container_id(columns[0])) {
      continue;
    }
    AardvarkEntry entry;
    entry.id = std::string(columns[0]);
    for (const std::size_t column : {std::size_t{1}, std::size_t{2}}) {
      for (const std::string_view address : fields(columns[column], ',')) {
        if (const auto parsed = IpAddress::parse(address)) {
          entry.addresses.push_back(*parsed);
        }
      }
    }
    for (const std::string_view n : fields(columns[3], ',')) {
      entry.names.emplace_back(n);
    }
    network.entries.push_back(std::move(entry));
  }
  return network;
}

Result<Network> parse_netavark_network(std::string_view text) {
  WHYNO_TRY_ASSIGN(const Json json, parse_json(text, "the network file"));
  Network n;
  n.name = string_at(json, "name");
  n.id = string_at(json, "id");
  n.driver = string_at(json, "driver");
  n.scope = "local";
  n.internal = bool_at(json, "internal");
  n.enable_ipv6 = bool_at(json, "ipv6_enabled");
  if (n.name.empty()) {
    return fail(Error::Kind::invalid, "the network file names no network");
  }
  if (const std::string device = string_at(json, "network_interface"); !device.empty()) {
    n.options["com.docker.network.bridge.name"] = device;
  }
  n.options["dns_enabled"] = bool_at(json, "dns_enabled") ? "true" : "false";
  if (const Json* subnets = member(json, "subnets"); subnets && subnets->is_array()) {
    for (const Json& s : *subnets) {
      if (const auto prefix = parse_prefix(string_at(s, "subnet"))) {
        n.subnets.push_back(*prefix);
      }
      if (const auto gateway = IpAddress::parse(string_at(s, "gateway"))) {
        n.gateways.push_back(*gateway);
      }
    }
  }
  return n;
}

Network podman_default_network() {
  Network n;
  n.name = "podman";
  n.id = "podman";
  n.driver = "bridge";
  n.scope = "local";
  n.subnets.push_back({*IpAddress::parse("10.88.0.0"), 16});
  n.gateways.push_back(*IpAddress::parse("10.88.0.1"));
  n.options["com.docker.network.bridge.name"] = "podman0";
  n.options["dns_enabled"] = "false";
  return n;
}

}  // namespace whyno::engine
