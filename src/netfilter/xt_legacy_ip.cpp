#include "xt_legacy_ip.hpp"

#include <netinet/in.h>

#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6/ip6_tables.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "nf_decode_util.hpp"

namespace whyno::netfilter {

namespace {

// IPT_INV_* and IP6T_INV_* share their values.
static_assert(IPT_INV_VIA_IN == IP6T_INV_VIA_IN && IPT_INV_VIA_OUT == IP6T_INV_VIA_OUT &&
              IPT_INV_SRCIP == IP6T_INV_SRCIP && IPT_INV_DSTIP == IP6T_INV_DSTIP &&
              IPT_INV_PROTO == IP6T_INV_PROTO);

/// Leading one bits of a netmask; nullopt for a mask with holes.
std::optional<unsigned> mask_length(const std::uint8_t* mask, std::size_t n) {
  unsigned bits = 0;
  bool ended = false;
  for (std::size_t i = 0; i < n; ++i) {
    for (int b = 7; b >= 0; --b) {
      const bool set = ((mask[i] >> b) & 1) != 0;
      if (set && ended) {
        return std::nullopt;
      }
      bits += set ? 1 : 0;
      ended = ended || !set;
    }
  }
  return bits;
}

void add_interface(nf::Field field, const char (&name)[16], const unsigned char (&mask)[16], bool negated,
                   std::vector<nf::Match>& out) {
  const bool any = std::all_of(std::begin(mask), std::end(mask), [](unsigned char b) { return b == 0; });
  if (any) {
    return;  // no -i/-o, or "+": every interface
  }
  nf::Match m;
  m.field = field;
  m.negated = negated;
  m.interfaces.push_back(legacy_interface(name, mask));
  out.push_back(std::move(m));
}

/// `-s`/`-d`: a prefix, skipped when the mask is 0 (0.0.0.0/0) and not negated.
void add_address(nf::Field field, const std::uint8_t* address, const std::uint8_t* mask, std::size_t n,
                 bool negated, std::vector<nf::Match>& out) {
  const bool any = std::all_of(mask, mask + n, [](std::uint8_t b) { return b == 0; });
  if (any && !negated) {
    return;
  }
  const auto length = mask_length(mask, n);
  if (!length) {
    out.push_back(
        unknown_match(fmt::format("{} with a non-prefix netmask", field == nf::Field::saddr ? "-s" : "-d")));
    return;
  }
  std::uint8_t masked[16] = {};
  for (std::size_t i = 0; i < n; ++i) {
    masked[i] = static_cast<std::uint8_t>(address[i] & mask[i]);
  }
  nf::Match m;
  m.field = field;
  m.negated = negated;
  m.prefixes.push_back(IpPrefix{n == 4 ? IpAddress::v4_bytes(masked) : IpAddress::v6_bytes(masked), *length});
  out.push_back(std::move(m));
}

void add_protocol(std::uint16_t proto, bool negated, std::vector<nf::Match>& out) {
  nf::Match m;
  m.field = nf::Field::l4proto;
  m.negated = negated;
  if (proto == 0) {
    m.ranges.emplace_back(0, 255);  // `! -p all`: never matches
  } else {
    m.ranges.emplace_back(proto, proto);
  }
  out.push_back(std::move(m));
}

/// -s and -d of an ipt_ip (N = 4) or ip6t_ip6 (N = 16), copied out of the
/// kernel structs' address unions.
template <std::size_t N, typename Ip>
void add_addresses(const Ip& ip, bool negate_source, bool negate_destination, std::vector<nf::Match>& out) {
  std::uint8_t src[N];
  std::uint8_t smsk[N];
  std::uint8_t dst[N];
  std::uint8_t dmsk[N];
  std::memcpy(src, &ip.src, N);
  std::memcpy(smsk, &ip.smsk, N);
  std::memcpy(dst, &ip.dst, N);
  std::memcpy(dmsk, &ip.dmsk, N);
  add_address(nf::Field::saddr, src, smsk, N, negate_source, out);
  add_address(nf::Field::daddr, dst, dmsk, N, negate_destination, out);
}

template <typename Ip>
void add_interfaces(const Ip& ip, std::vector<nf::Match>& out) {
  add_interface(nf::Field::iifname, ip.iniface, ip.iniface_mask, (ip.invflags & IPT_INV_VIA_IN) != 0, out);
  add_interface(nf::Field::oifname, ip.outiface, ip.outiface_mask, (ip.invflags & IPT_INV_VIA_OUT) != 0, out);
}

}  // namespace

nf::InterfaceName legacy_interface(const char (&name)[16], const unsigned char (&mask)[16]) {
  const std::size_t name_len = strnlen(name, sizeof name);
  const auto compared = static_cast<std::size_t>(
      std::count_if(std::begin(mask), std::end(mask), [](unsigned char b) { return b != 0; }));
  if (compared > name_len) {
    return nf::InterfaceName{std::string(name, name_len), false};  // the NUL is compared too
  }
  // iptables-legacy keeps the '+' of "veth+" in the name; the mask stops before it.
  return nf::InterfaceName{std::string(name, compared), true};
}

std::vector<nf::Match> legacy_ip_matches(const ipt_ip& ip) {
  std::vector<nf::Match> out;
  add_interfaces(ip, out);
  add_addresses<4>(ip, (ip.invflags & IPT_INV_SRCIP) != 0, (ip.invflags & IPT_INV_DSTIP) != 0, out);
  if (ip.proto != 0 || (ip.invflags & IPT_INV_PROTO) != 0) {
    add_protocol(ip.proto, (ip.invflags & IPT_INV_PROTO) != 0, out);
  }
  if ((ip.flags & IPT_F_FRAG) != 0) {
    out.push_back(unknown_match((ip.invflags & IPT_INV_FRAG) != 0 ? "! -f (not a later fragment)"
                                                                  : "-f (a later fragment)"));
  }
  return out;
}

std::vector<nf::Match> legacy_ip_matches(const ip6t_ip6& ip) {
  std::vector<nf::Match> out;
  add_interfaces(ip, out);
  add_addresses<16>(ip, (ip.invflags & IP6T_INV_SRCIP) != 0, (ip.invflags & IP6T_INV_DSTIP) != 0, out);
  if ((ip.flags & IP6T_F_PROTO) != 0) {
    add_protocol(ip.proto, (ip.invflags & IP6T_INV_PROTO) != 0, out);
  }
  if ((ip.flags & IP6T_F_TOS) != 0) {
    out.push_back(unknown_match(fmt::format("tos {:#x}", ip.tos)));
  }
  return out;
}

}  // namespace whyno::netfilter
