#include "nft_value.hpp"

#include <algorithm>
#include <array>
#include <cstring>

#include <fmt/format.h>

namespace whyno::netfilter::nft {

namespace {

constexpr std::size_t k_max_prefixes = 256;  // a set wider than this is not worth listing

using Address = std::array<std::uint8_t, 16>;

std::size_t address_size(IpFamily f) { return f == IpFamily::v4 ? 4 : 16; }

IpAddress make_address(IpFamily f, const Address& bytes) {
  return f == IpFamily::v4 ? IpAddress::v4_bytes(bytes.data()) : IpAddress::v6_bytes(bytes.data());
}

/// Leading one bits of a contiguous mask; nullopt when the mask has holes.
std::optional<unsigned> prefix_bits(const Bytes& mask, std::size_t len) {
  unsigned bits = 0;
  bool ended = false;
  for (std::size_t i = 0; i < len; ++i) {
    const std::uint8_t byte = i < mask.size() ? mask[i] : 0;
    for (int b = 7; b >= 0; --b) {
      const bool set = ((byte >> b) & 1) != 0;
      if (set && ended) {
        return std::nullopt;
      }
      if (set) {
        ++bits;
      } else {
        ended = true;
      }
    }
  }
  return bits;
}

bool add_prefix(const RegValue& v, const Bytes& data, nf::Match& m) {
  const std::size_t full = address_size(v.family);
  // A mask shorter than the compared bytes says nothing of the rest: not
  // a prefix we can state (the kernel writes masks as long as the load).
  if (v.len == 0 || v.len > full || data.size() < v.len || (!v.mask.empty() && v.mask.size() < v.len)) {
    return false;
  }
  std::optional<unsigned> bits = v.len * 8;
  if (!v.mask.empty()) {
    bits = prefix_bits(v.mask, v.len);
    if (!bits) {
      return false;
    }
  }
  Address bytes{};
  for (std::size_t i = 0; i < v.len; ++i) {
    bytes[i] = v.mask.empty() ? data[i] : static_cast<std::uint8_t>(data[i] & v.mask[i]);
  }
  m.prefixes.push_back(IpPrefix{make_address(v.family, bytes), *bits});
  return true;
}

// Byte-array arithmetic over the first n bytes, for intervals of addresses.
int compare(const Address& a, const Address& b, std::size_t n) { return std::memcmp(a.data(), b.data(), n); }

unsigned trailing_zero_bits(const Address& a, std::size_t n) {
  unsigned bits = 0;
  for (std::size_t i = n; i-- > 0;) {
    if (a[i] == 0) {
      bits += 8;
      continue;
    }
    for (int b = 0; b < 8 && ((a[i] >> b) & 1) == 0; ++b) {
      ++bits;
    }
    break;
  }
  return bits;
}

Address with_low_ones(Address a, std::size_t n, unsigned k) {
  for (std::size_t i = n; i-- > 0 && k > 0;) {
    const unsigned take = std::min(k, 8u);
    a[i] = static_cast<std::uint8_t>(a[i] | ((1u << take) - 1));
    k -= take;
  }
  return a;
}

void increment(Address& a, std::size_t n) {
  for (std::size_t i = n; i-- > 0;) {
    if (++a[i] != 0) {
      return;
    }
  }
}

/// Splits [lo, hi] into the fewest prefixes covering it exactly.
bool add_address_interval(const RegValue& v, const Bytes& lo, const Bytes& hi, nf::Match& m) {
  const std::size_t n = address_size(v.family);
  if (!v.mask.empty() || v.len != n || lo.size() < n || hi.size() < n) {
    return false;
  }
  Address cur{};
  Address last{};
  std::copy_n(lo.begin(), n, cur.begin());
  std::copy_n(hi.begin(), n, last.begin());
  if (compare(cur, last, n) > 0) {
    return false;
  }
  const auto total_bits = static_cast<unsigned>(n * 8);
  for (std::size_t count = 0; count < k_max_prefixes; ++count) {
    unsigned k = std::min(trailing_zero_bits(cur, n), total_bits);
    while (k > 0 && compare(with_low_ones(cur, n, k), last, n) > 0) {
      --k;
    }
    m.prefixes.push_back(IpPrefix{make_address(v.family, cur), total_bits - k});
    const Address top = with_low_ones(cur, n, k);
    if (compare(top, last, n) >= 0) {
      return true;
    }
    cur = top;
    increment(cur, n);
  }
  return false;
}

bool is_numeric(nf::Field f) {
  return f == nf::Field::l4proto || f == nf::Field::nfproto || f == nf::Field::sport || f == nf::Field::dport;
}

bool is_interface(nf::Field f) { return f == nf::Field::iifname || f == nf::Field::oifname; }

std::uint32_t max_of(std::uint32_t len) { return len >= 4 ? 0xffffffffu : (1u << (len * 8)) - 1; }

/// An interface name compared as bytes: a NUL inside ends an exact name;
/// without one, the bytes are a prefix (iptables "veth+", nft "veth*").
nf::InterfaceName interface_of(const Bytes& data) {
  const auto nul = std::find(data.begin(), data.end(), std::uint8_t{0});
  return nf::InterfaceName{std::string(data.begin(), nul), nul == data.end()};
}

std::string_view op_text(CmpOp op) {
  switch (op) {
    case CmpOp::eq:
      return "==";
    case CmpOp::neq:
      return "!=";
    case CmpOp::lt:
      return "<";
    case CmpOp::lte:
      return "<=";
    case CmpOp::gt:
      return ">";
    case CmpOp::gte:
      return ">=";
  }
  return "?";
}

}  // namespace

std::uint32_t host_u32(const Bytes& bytes) {
  std::uint32_t value = 0;
  std::memcpy(&value, bytes.data(), std::min<std::size_t>(bytes.size(), sizeof value));
  return value;
}

std::string hex(const Bytes& bytes) {
  std::string out = "0x";
  for (const std::uint8_t b : bytes) {
    out += fmt::format("{:02x}", b);
  }
  return out;
}

std::uint32_t big_endian(const Bytes& bytes) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < bytes.size() && i < 4; ++i) {
    value = (value << 8) | bytes[i];
  }
  return value;
}

bool add_element(const RegValue& v, const Bytes& key, nf::Match& m) {
  if (v.source != Source::field || key.size() < v.len) {
    return false;
  }
  const Bytes value(key.begin(), key.begin() + v.len);
  switch (v.field) {
    case nf::Field::iifname:
    case nf::Field::oifname:
      m.interfaces.push_back(interface_of(value));
      return true;
    case nf::Field::l4proto:
    case nf::Field::nfproto:
    case nf::Field::sport:
    case nf::Field::dport: {
      const std::uint32_t n = big_endian(value);
      m.ranges.emplace_back(n, n);
      return v.mask.empty();
    }
    case nf::Field::saddr:
    case nf::Field::daddr:
      return add_prefix(v, value, m);
    case nf::Field::mark:
    case nf::Field::ct_mark: {
      const std::uint32_t n = host_u32(value);
      m.ranges.emplace_back(n, n);
      m.mask = v.mask.empty() ? 0 : host_u32(v.mask);
      return v.xor_.empty();
    }
    case nf::Field::tcp_flags: {
      m.ranges.emplace_back(value[0], value[0]);
      m.mask = v.mask.empty() ? 0 : v.mask[0];
      return true;
    }
    case nf::Field::port_pair: {
      const std::uint32_t n = big_endian(value);
      m.ranges.emplace_back(n, n);
      return v.mask.empty();
    }
    case nf::Field::any_port:
    case nf::Field::rpfilter:
    case nf::Field::ip6_routing_header:
    case nf::Field::always:
    case nf::Field::random:
    case nf::Field::rate_limit:
      return false;
    case nf::Field::ct_state:
    case nf::Field::ct_status:
      m.mask |= host_u32(value);
      return v.mask.empty();
    case nf::Field::saddr_type:
    case nf::Field::daddr_type: {
      const std::uint32_t type = host_u32(value);
      m.mask |= type < 32 ? (1u << type) : 0;
      return type < 32 && v.mask.empty();
    }
    case nf::Field::unknown:
      break;
  }
  return false;
}

bool add_compare(const RegValue& v, CmpOp op, const Bytes& data, nf::Match& m) {
  if (v.source != Source::field || !v.xor_.empty()) {
    return false;
  }
  if (v.field == nf::Field::rpfilter) {
    // `oif missing` compares the looked-up interface with 0: no route back.
    const bool zero = std::all_of(data.begin(), data.end(), [](std::uint8_t b) { return b == 0; });
    if (!zero || (op != CmpOp::eq && op != CmpOp::neq)) {
      return false;
    }
    m.negated = op == CmpOp::eq;  // the match holds when the reverse path is not valid
    return true;
  }
  if (v.field == nf::Field::ip6_routing_header) {
    // Whatever it compares, a packet without the header does not match.
    m.text = describe_compare(v, op, data);
    return true;
  }
  if (is_interface(v.field)) {
    // iptables-nft compares only strlen+1 bytes ("docker0\0"), or the bare
    // prefix for "veth+"; nft compares all 16.
    if ((op != CmpOp::eq && op != CmpOp::neq) || data.empty() || data.size() > v.len) {
      return false;
    }
    m.interfaces.push_back(interface_of(data));
    m.negated = op == CmpOp::neq;
    return true;
  }
  if (data.size() < v.len) {
    return false;
  }
  if ((v.field == nf::Field::ct_state || v.field == nf::Field::ct_status) && !v.mask.empty()) {
    // nft's `ct state established,related` is (state & mask) != 0, and
    // firewalld's `ct status dnat` is (status & 0x20) != 0.
    const std::uint32_t mask = host_u32(v.mask);
    const std::uint32_t value = host_u32(data);
    if (value == 0 && (op == CmpOp::neq || op == CmpOp::eq)) {
      m.mask = mask;
      m.negated = op == CmpOp::eq;
      return true;
    }
    if (value == mask && (mask & (mask - 1)) == 0 && (op == CmpOp::eq || op == CmpOp::neq)) {
      m.mask = mask;  // a single state bit: & x == x is the same test
      m.negated = op == CmpOp::neq;
      return true;
    }
    return false;
  }
  if (op == CmpOp::eq || op == CmpOp::neq) {
    m.negated = op == CmpOp::neq;
    return add_element(v, data, m);
  }
  if (!is_numeric(v.field) || !v.mask.empty() || v.len > 4) {
    return false;  // memcmp order is numeric order only for big-endian fields
  }
  const std::uint32_t n = big_endian(Bytes(data.begin(), data.begin() + v.len));
  const std::uint32_t max = max_of(v.len);
  std::uint32_t lo = 0;
  std::uint32_t hi = max;
  bool empty = false;
  switch (op) {
    case CmpOp::lt:
      empty = n == 0;
      hi = n - (n == 0 ? 0 : 1);
      break;
    case CmpOp::lte:
      hi = n;
      break;
    case CmpOp::gt:
      empty = n == max;
      lo = n + (n == max ? 0 : 1);
      break;
    case CmpOp::gte:
      lo = n;
      break;
    case CmpOp::eq:
    case CmpOp::neq:
      break;
  }
  if (!empty) {
    m.ranges.emplace_back(lo, hi);  // an empty list never matches, like `< 0`
  }
  return true;
}

bool add_interval(const RegValue& v, const Bytes& lo, const Bytes& hi, nf::Match& m) {
  if (v.source != Source::field || lo.size() < v.len || hi.size() < v.len) {
    return false;
  }
  if (is_numeric(v.field)) {
    if (!v.mask.empty() || v.len > 4) {
      return false;
    }
    m.ranges.emplace_back(big_endian(Bytes(lo.begin(), lo.begin() + v.len)),
                          big_endian(Bytes(hi.begin(), hi.begin() + v.len)));
    return true;
  }
  if (v.field == nf::Field::saddr || v.field == nf::Field::daddr) {
    return add_address_interval(v, lo, hi, m);
  }
  if (is_interface(v.field)) {
    // nft stores a wildcard "veth*" as the interval "veth\0\0..".."veth\xff\xff..".
    std::size_t common = 0;
    while (common < v.len && lo[common] == hi[common]) {
      ++common;
    }
    if (common == v.len) {
      return add_element(v, lo, m);
    }
    const bool zeros = std::all_of(lo.begin() + static_cast<std::ptrdiff_t>(common), lo.begin() + v.len,
                                   [](std::uint8_t b) { return b == 0; });
    const bool ones = std::all_of(hi.begin() + static_cast<std::ptrdiff_t>(common), hi.begin() + v.len,
                                  [](std::uint8_t b) { return b == 0xff; });
    const bool name_ok = std::none_of(lo.begin(), lo.begin() + static_cast<std::ptrdiff_t>(common),
                                      [](std::uint8_t b) { return b == 0; });
    if (!zeros || !ones || !name_ok) {
      return false;
    }
    m.interfaces.push_back(
        nf::InterfaceName{std::string(lo.begin(), lo.begin() + static_cast<std::ptrdiff_t>(common)), true});
    return true;
  }
  return false;
}

std::string vmap_key_text(const RegValue& v, const Bytes& key) {
  if (v.source != Source::field || key.size() < v.len || !v.mask.empty()) {
    return {};
  }
  const Bytes value(key.begin(), key.begin() + v.len);
  if (is_interface(v.field)) {
    const nf::InterfaceName name = interface_of(value);
    return name.prefix ? std::string{} : name.name;
  }
  if (is_numeric(v.field) && v.len <= 4) {
    return fmt::format("{}", big_endian(value));
  }
  if (v.field == nf::Field::random && v.len == 4) {
    return fmt::format("{}", host_u32(value));  // numgen writes a host-order number
  }
  if ((v.field == nf::Field::saddr || v.field == nf::Field::daddr) && (v.len == 4 || v.len == 16)) {
    return (v.len == 4 ? IpAddress::v4_bytes(value.data()) : IpAddress::v6_bytes(value.data())).to_string();
  }
  return {};
}

std::string describe_compare(const RegValue& v, CmpOp op, const Bytes& data) {
  // Host-order words (ct mark, meta priority...) read better as numbers.
  const auto text = [&](const Bytes& b) {
    return v.host_order && b.size() == 4 ? fmt::format("{:#x}", host_u32(b)) : hex(b);
  };
  std::string out = v.text.empty() ? "register" : v.text;
  if (!v.mask.empty()) {
    out += " & " + text(v.mask);
  }
  return fmt::format("{} {} {}", out, op_text(op), text(data));
}

}  // namespace whyno::netfilter::nft
