#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace whyno {

enum class Protocol : std::uint8_t { tcp, udp };

constexpr std::string_view to_string(Protocol p) { return p == Protocol::tcp ? "tcp" : "udp"; }

constexpr std::optional<Protocol> parse_protocol(std::string_view s) {
  if (s == "tcp") {
    return Protocol::tcp;
  }
  if (s == "udp") {
    return Protocol::udp;
  }
  return std::nullopt;
}

/// IPPROTO_* numbers, so core/ need not include <netinet/in.h>.
constexpr std::uint8_t k_ipproto_tcp = 6;
constexpr std::uint8_t k_ipproto_udp = 17;

constexpr std::uint8_t ip_protocol_number(Protocol p) {
  return p == Protocol::tcp ? k_ipproto_tcp : k_ipproto_udp;
}

/// The protocol of an IPPROTO_* number; nullopt for any but TCP and UDP.
constexpr std::optional<Protocol> protocol_of_ip_number(std::uint32_t number) {
  if (number == k_ipproto_tcp) {
    return Protocol::tcp;
  }
  if (number == k_ipproto_udp) {
    return Protocol::udp;
  }
  return std::nullopt;
}

}  // namespace whyno
