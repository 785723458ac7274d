#include "whyno/util/ip_address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace whyno {

IpAddress IpAddress::v4(std::uint32_t host_order) {
  IpAddress a;
  a.m_bytes[0] = static_cast<std::uint8_t>(host_order >> 24);
  a.m_bytes[1] = static_cast<std::uint8_t>(host_order >> 16);
  a.m_bytes[2] = static_cast<std::uint8_t>(host_order >> 8);
  a.m_bytes[3] = static_cast<std::uint8_t>(host_order);
  return a;
}

IpAddress IpAddress::v4_bytes(const std::uint8_t bytes[4]) {
  IpAddress a;
  std::copy_n(bytes, 4, a.m_bytes.begin());
  return a;
}

IpAddress IpAddress::v6_bytes(const std::uint8_t bytes[16]) {
  IpAddress a;
  a.m_family = IpFamily::v6;
  std::copy_n(bytes, 16, a.m_bytes.begin());
  return a;
}

IpAddress IpAddress::any(IpFamily family) {
  IpAddress a;
  a.m_family = family;
  return a;
}

IpAddress IpAddress::loopback(IpFamily family) {
  IpAddress a;
  a.m_family = family;
  if (family == IpFamily::v4) {
    a.m_bytes[0] = 127;
    a.m_bytes[3] = 1;
  } else {
    a.m_bytes[15] = 1;
  }
  return a;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) {
    return std::nullopt;
  }
  const std::string s(text);
  std::uint8_t buf[16];
  if (inet_pton(AF_INET, s.c_str(), buf) == 1) {
    return v4_bytes(buf);
  }
  if (inet_pton(AF_INET6, s.c_str(), buf) == 1) {
    return v6_bytes(buf);
  }
  return std::nullopt;
}

std::uint32_t IpAddress::v4_host_order() const {
  return (std::uint32_t{m_bytes[0]} << 24) | (std::uint32_t{m_bytes[1]} << 16) |
         (std::uint32_t{m_bytes[2]} << 8) | std::uint32_t{m_bytes[3]};
}

bool IpAddress::is_v4_mapped() const {
  if (m_family != IpFamily::v6) {
    return false;
  }
  for (int i = 0; i < 10; ++i) {
    if (m_bytes[static_cast<std::size_t>(i)] != 0) {
      return false;
    }
  }
  return m_bytes[10] == 0xff && m_bytes[11] == 0xff;
}

std::optional<IpAddress> IpAddress::unmapped_v4() const {
  if (!is_v4_mapped()) {
    return std::nullopt;
  }
  return v4_bytes(m_bytes.data() + 12);
}

bool IpAddress::is_loopback() const {
  if (m_family == IpFamily::v4) {
    return m_bytes[0] == 127;
  }
  if (auto v4 = unmapped_v4()) {
    return v4->is_loopback();
  }
  return *this == loopback(IpFamily::v6);
}

bool IpAddress::is_unspecified() const {
  const std::size_t n = m_family == IpFamily::v4 ? 4 : 16;
  return std::all_of(m_bytes.begin(), m_bytes.begin() + static_cast<long>(n),
                     [](std::uint8_t b) { return b == 0; });
}

bool IpAddress::in_prefix(const IpAddress& network, unsigned prefix_len) const {
  if (m_family != network.m_family) {
    return false;
  }
  const unsigned bits = m_family == IpFamily::v4 ? 32 : 128;
  prefix_len = std::min(prefix_len, bits);
  unsigned full = prefix_len / 8;
  for (unsigned i = 0; i < full; ++i) {
    if (m_bytes[i] != network.m_bytes[i]) {
      return false;
    }
  }
  const unsigned rest = prefix_len % 8;
  if (rest == 0) {
    return true;
  }
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (m_bytes[full] & mask) == (network.m_bytes[full] & mask);
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(m_family == IpFamily::v4 ? AF_INET : AF_INET6, m_bytes.data(), buf, sizeof buf);
  return buf;
}

std::string IpAddress::to_string_for_port() const {
  return m_family == IpFamily::v6 ? "[" + to_string() + "]" : to_string();
}

std::string IpPrefix::to_string() const { return fmt::format("{}/{}", address.to_string(), length); }

namespace {

__extension__ using Wide = unsigned __int128;  // an IPv6 address as one number

Wide wide_of(const IpAddress& a) {
  const std::size_t n = a.is_v4() ? 4 : 16;
  Wide value = 0;
  for (std::size_t i = 0; i < n; ++i) {
    value = (value << 8) | a.bytes()[i];
  }
  return value;
}

IpAddress address_of(Wide value, IpFamily family) {
  std::array<std::uint8_t, 16> bytes{};
  const std::size_t n = family == IpFamily::v4 ? 4 : 16;
  for (std::size_t i = n; i-- > 0;) {
    bytes[i] = static_cast<std::uint8_t>(value & 0xff);
    value >>= 8;
  }
  return family == IpFamily::v4 ? IpAddress::v4_bytes(bytes.data()) : IpAddress::v6_bytes(bytes.data());
}

}  // namespace

std::vector<IpPrefix> prefixes_covering(const IpAddress& first, const IpAddress& last) {
  std::vector<IpPrefix> out;
  if (first.family() != last.family()) {
    return out;
  }
  const unsigned bits = first.is_v4() ? 32 : 128;
  Wide start = wide_of(first);
  const Wide end = wide_of(last);
  if (end < start) {
    return out;
  }
  // All ones in the low `n` bits (n may be the whole width).
  const auto low_bits = [](unsigned n) { return n >= 128 ? ~Wide{0} : (Wide{1} << n) - 1; };
  for (;;) {
    // The largest block that starts at `start` (aligned to it) and ends by `end`.
    unsigned size = 0;
    while (size < bits && (start & low_bits(size + 1)) == 0 && start + low_bits(size + 1) <= end) {
      ++size;
    }
    out.push_back({address_of(start, first.family()), bits - size});
    const Wide block_end = start + low_bits(size);
    if (block_end >= end) {
      break;
    }
    start = block_end + 1;
  }
  return out;
}

}  // namespace whyno
