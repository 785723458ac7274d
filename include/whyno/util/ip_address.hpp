#pragma once
// An IPv4 or IPv6 address as plain bytes, with the classifications the
// diagnosis needs (loopback, wildcard, prefix membership).

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace whyno {

enum class IpFamily : std::uint8_t { v4, v6 };

class IpAddress {
 public:
  IpAddress() = default;  // 0.0.0.0

  static IpAddress v4(std::uint32_t host_order);
  static IpAddress v4_bytes(const std::uint8_t bytes[4]);
  static IpAddress v6_bytes(const std::uint8_t bytes[16]);
  static IpAddress any(IpFamily family);
  static IpAddress loopback(IpFamily family);
  /// Accepts dotted quads and RFC 4291 text; brackets are not stripped.
  static std::optional<IpAddress> parse(std::string_view text);

  IpFamily family() const { return m_family; }
  bool is_v4() const { return m_family == IpFamily::v4; }
  bool is_v6() const { return m_family == IpFamily::v6; }
  const std::array<std::uint8_t, 16>& bytes() const { return m_bytes; }
  std::uint32_t v4_host_order() const;

  bool is_loopback() const;     // 127.0.0.0/8, ::1, ::ffff:127.0.0.0/104
  bool is_unspecified() const;  // 0.0.0.0 or ::
  bool is_v4_mapped() const;    // ::ffff:a.b.c.d
  /// The IPv4 address inside ::ffff:a.b.c.d, or nullopt.
  std::optional<IpAddress> unmapped_v4() const;
  bool in_prefix(const IpAddress& network, unsigned prefix_len) const;

  std::string to_string() const;
  /// Adds brackets to IPv6 addresses, for "addr:port" text.
  std::string to_string_for_port() const;

  friend auto operator<=>(const IpAddress&, const IpAddress&) = default;

 private:
  IpFamily m_family = IpFamily::v4;
  std::array<std::uint8_t, 16> m_bytes{};  // IPv4 uses the first four
};

struct IpPrefix {
  IpAddress address;
  unsigned length = 0;
  bool contains(const IpAddress& a) const { return a.in_prefix(address, length); }
  std::string to_string() const;
  friend auto operator<=>(const IpPrefix&, const IpPrefix&) = default;
};

/// The fewest prefixes that together hold exactly first..last (iptables'
/// -m iprange); empty when last < first or the families differ.
std::vector<IpPrefix> prefixes_covering(const IpAddress& first, const IpAddress& last);

}  // namespace whyno
