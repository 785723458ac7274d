#pragma once
// Lenient field access for Engine API JSON, shared by the engine parsers.
// A missing key, a null and a value of the wrong type all read as "absent",
// because fields come and go between API versions (and Podman's compat API);
// none of these helpers throws.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "whyno/util/ip_address.hpp"
#include "whyno/model/protocol.hpp"

namespace whyno::engine::json_fields {

using Json = nlohmann::json;

/// The member `key` of `object`, or nullptr when absent, null or not an object.
inline const Json* member(const Json& object, std::string_view key) {
  if (!object.is_object()) {
    return nullptr;
  }
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) {
    return nullptr;
  }
  return &*it;
}

inline std::string string_at(const Json& object, std::string_view key) {
  const Json* value = member(object, key);
  return value && value->is_string() ? value->get<std::string>() : std::string();
}

inline bool bool_at(const Json& object, std::string_view key, bool fallback = false) {
  const Json* value = member(object, key);
  return value && value->is_boolean() ? value->get<bool>() : fallback;
}

inline int int_at(const Json& object, std::string_view key) {
  const Json* value = member(object, key);
  if (value && value->is_number_integer()) {
    const auto number = value->get<std::int64_t>();
    if (number >= INT32_MIN && number <= INT32_MAX) {
      return static_cast<int>(number);
    }
  }
  return 0;
}

inline std::vector<std::string> strings_at(const Json& object, std::string_view key) {
  std::vector<std::string> out;
  const Json* value = member(object, key);
  if (value && value->is_array()) {
    for (const auto& item : *value) {
      if (item.is_string()) {
        out.push_back(item.get<std::string>());
      }
    }
  }
  return out;
}

/// An address; "" (the engine's "none") and unparsable text give nullopt.
inline std::optional<IpAddress> address_at(const Json& object, std::string_view key) {
  return IpAddress::parse(string_at(object, key));
}

/// A decimal port 1..65535 (0 allowed only when `allow_zero`), else nullopt.
inline std::optional<std::uint16_t> parse_port(std::string_view text, bool allow_zero = false) {
  if (text.empty() || text.size() > 5) {
    return std::nullopt;
  }
  unsigned value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 65535 || (value == 0 && !allow_zero)) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(value);
}

struct PortKey {
  std::uint16_t port = 0;
  Protocol protocol = Protocol::tcp;
};

/// "3000/tcp", "3000/udp", or "3000" (tcp, as the engine assumes); nullopt
/// for other protocols (sctp) and malformed keys.
inline std::optional<PortKey> parse_port_key(std::string_view key) {
  std::string_view number = key;
  std::string_view protocol = "tcp";
  if (const auto slash = key.find('/'); slash != std::string_view::npos) {
    number = key.substr(0, slash);
    protocol = key.substr(slash + 1);
  }
  const auto port = parse_port(number);
  const auto parsed_protocol = parse_protocol(protocol);
  if (!port || !parsed_protocol) {
    return std::nullopt;
  }
  return PortKey{*port, *parsed_protocol};
}

/// "172.17.0.0/16" or "fd00::/64"; nullopt when malformed.
inline std::optional<IpPrefix> parse_prefix(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) {
    return std::nullopt;
  }
  const auto address = IpAddress::parse(text.substr(0, slash));
  const auto length = parse_port(text.substr(slash + 1), true);
  if (!address || !length || *length > (address->is_v4() ? 32U : 128U)) {
    return std::nullopt;
  }
  return IpPrefix{*address, *length};
}

}  // namespace whyno::engine::json_fields
