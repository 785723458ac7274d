// The small Engine API answers: /_ping headers, /version, the container list,
// /networks, /info and error bodies.

#include <algorithm>
#include <cctype>
#include <exception>

#include <fmt/format.h>

#include "engine_json_fields.hpp"
#include "whyno/util/printable.hpp"
#include "whyno/util/words.hpp"
#include "engine_json.hpp"

namespace whyno::engine {

namespace {

using namespace json_fields;

struct ApiVersion {
  unsigned major = 0;
  unsigned minor = 0;
  friend auto operator<=>(const ApiVersion&, const ApiVersion&) = default;
};

std::optional<ApiVersion> parse_api_version(std::string_view text) {
  const auto dot = text.find('.');
  if (dot == std::string_view::npos) {
    return std::nullopt;
  }
  const auto major = parse_port(text.substr(0, dot), true);
  const auto minor = parse_port(text.substr(dot + 1), true);
  if (!major || !minor) {
    return std::nullopt;
  }
  return ApiVersion{*major, *minor};
}

/// Parses `text` as JSON; nullopt (with `error` set) when it is not.
std::optional<Json> parse_json(std::string_view text, std::string_view endpoint, Error& error) {
  Json json = Json::parse(text, nullptr, false);
  if (json.is_discarded()) {
    error = Error{Error::Kind::invalid, fmt::format("the engine's answer to {} is not valid JSON", endpoint)};
    return std::nullopt;
  }
  return json;
}

Error unreadable(std::string_view endpoint, const std::exception& e) {
  return Error{Error::Kind::invalid, fmt::format("the engine's answer to {} could not be read ({})", endpoint,
                                                 excerpt(e.what(), 120))};
}

Network parse_network(const Json& json) {
  Network network;
  network.id = string_at(json, "Id");
  network.name = string_at(json, "Name");
  network.driver = string_at(json, "Driver");
  network.scope = string_at(json, "Scope");
  network.internal = bool_at(json, "Internal");
  network.enable_ipv6 = bool_at(json, "EnableIPv6");
  if (const Json* ipam = member(json, "IPAM")) {
    if (const Json* configs = member(*ipam, "Config"); configs && configs->is_array()) {
      for (const auto& config : *configs) {
        if (const auto subnet = parse_prefix(string_at(config, "Subnet"))) {
          network.subnets.push_back(*subnet);
        }
        if (const auto gateway = address_at(config, "Gateway")) {
          network.gateways.push_back(*gateway);
        }
      }
    }
  }
  if (const Json* options = member(json, "Options"); options && options->is_object()) {
    for (const auto& [key, value] : options->items()) {
      if (value.is_string()) {
        network.options.emplace(key, value.get<std::string>());
      }
    }
  }
  return network;
}

}  // namespace

PingReply parse_ping_headers(std::string_view raw_headers) {
  PingReply reply;
  while (!raw_headers.empty()) {
    const auto end = raw_headers.find('\n');
    std::string_view line = raw_headers.substr(0, end);
    raw_headers.remove_prefix(end == std::string_view::npos ? raw_headers.size() : end + 1);
    if (line.starts_with("HTTP/")) {
      reply = PingReply{};  // a new response starts; forget the previous one
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) {
      continue;
    }
    const std::string_view name = trimmed(line.substr(0, colon));
    const std::string value(trimmed(line.substr(colon + 1)));
    if (iequals(name, "Api-Version")) {
      reply.api_version = value;
    } else if (iequals(name, "Server")) {
      reply.server = value;
    } else if (iequals(name, "Libpod-Api-Version")) {
      reply.libpod_api_version = value;
    }
  }
  return reply;
}

Result<std::string> negotiate_api_version(std::string_view server_api_version, std::string_view socket) {
  const std::string_view text = trimmed(server_api_version);
  if (text.empty()) {
    return fail(
        Error::Kind::unsupported,
        fmt::format("the engine at {} did not say which Engine API version it speaks", excerpt(socket, 80)));
  }
  const auto theirs = parse_api_version(text);
  if (!theirs) {
    return fail(Error::Kind::unsupported,
                fmt::format("the engine at {} reports API version '{}', which is not a version",
                            excerpt(socket, 80), excerpt(text, 40)));
  }
  const auto oldest = parse_api_version(k_min_api_version);
  if (*theirs < *oldest) {
    return fail(Error::Kind::unsupported,
                fmt::format("the engine at {} speaks Engine API {}.{}, older than {}, the oldest "
                            "whyno-port reads (Docker 20.10, podman 3)",
                            excerpt(socket, 80), theirs->major, theirs->minor, k_min_api_version));
  }
  const ApiVersion chosen = std::min(*parse_api_version(k_max_api_version), *theirs);
  return fmt::format("{}.{}", chosen.major, chosen.minor);
}

Result<VersionReply> parse_version(std::string_view version_json) {
  constexpr std::string_view endpoint = "GET /version";
  try {
    Error error;
    const auto json = parse_json(version_json, endpoint, error);
    if (!json) {
      return std::unexpected(error);
    }
    VersionReply reply;
    reply.version = string_at(*json, "Version");
    reply.api_version = string_at(*json, "ApiVersion");
    reply.min_api_version = string_at(*json, "MinAPIVersion");
    if (const Json* components = member(*json, "Components"); components && components->is_array()) {
      for (const auto& component : *components) {
        if (string_at(component, "Name") == "Podman Engine") {
          reply.podman = true;
        }
      }
    }
    return reply;
  } catch (const std::exception& e) {
    return std::unexpected(unreadable(endpoint, e));
  }
}

bool is_container_id(std::string_view id) {
  return id.size() >= 12 && id.size() <= 64 &&
         std::ranges::all_of(id, [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

Result<std::vector<Network>> parse_networks(std::string_view networks_json) {
  constexpr std::string_view endpoint = "GET /networks";
  try {
    Error error;
    const auto json = parse_json(networks_json, endpoint, error);
    if (!json) {
      return std::unexpected(error);
    }
    if (!json->is_array()) {
      return fail(Error::Kind::invalid,
                  fmt::format("the engine's answer to {} is not a JSON array", endpoint));
    }
    std::vector<Network> networks;
    for (const auto& item : *json) {
      if (item.is_object()) {
        networks.push_back(parse_network(item));
      }
    }
    return networks;
  } catch (const std::exception& e) {
    return std::unexpected(unreadable(endpoint, e));
  }
}

InfoReply parse_info(std::string_view info_json) {
  InfoReply reply;
  try {
    const Json json = Json::parse(info_json, nullptr, false);
    reply.warnings = strings_at(json, "Warnings");
    if (const Json* backend = member(json, "FirewallBackend")) {
      reply.firewall_backend = string_at(*backend, "Driver");
    }
  } catch (const std::exception&) {
    return InfoReply{};  // /info only adds context; without it we still diagnose
  }
  return reply;
}

std::vector<std::string> parse_info_warnings(std::string_view info_json) {
  return parse_info(info_json).warnings;
}

std::string parse_error_message(std::string_view body) {
  try {
    const Json json = Json::parse(body, nullptr, false);
    if (auto message = string_at(json, "message"); !message.empty()) {
      return message;
    }
  } catch (const std::exception&) {
    // fall through to the raw body
  }
  constexpr std::size_t k_max_chars = 200;  // one sentence, not a page of HTML
  const std::string_view text = trimmed(body);
  return std::string(text.substr(0, std::min(text.size(), k_max_chars)));
}

}  // namespace whyno::engine
