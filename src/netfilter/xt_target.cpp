// x_tables target payloads -> nf::Action.
#include "nf_decode_util.hpp"
#include "xt_decode.hpp"

#include <netinet/in.h>

#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/xt_connmark.h>
#include <linux/netfilter/xt_mark.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>

#include <fmt/format.h>

namespace whyno::netfilter {

namespace {

// Targets that return XT_CONTINUE: they never decide the packet's fate.
constexpr std::array<std::string_view, 20> k_continue_targets = {
    "LOG",  "NFLOG", "ULOG", "MARK", "CONNMARK", "CHECKSUM", "TRACE",       "CT",    "NOTRACK",   "TCPMSS",
    "DSCP", "TOS",   "TTL",  "HL",   "CLASSIFY", "SECMARK",  "CONNSECMARK", "AUDIT", "IDLETIMER", "LED"};

/// One NAT range, whichever struct it came from. Addresses and ports are in
/// network byte order in every layout.
struct NatRange {
  unsigned flags = 0;
  std::optional<IpAddress> address;
  std::uint16_t port_min = 0;
  std::uint16_t port_max = 0;
};

std::optional<NatRange> nat_range(std::uint32_t revision, std::span<const std::uint8_t> info,
                                  nf::Family family) {
  NatRange out;
  if (revision == 0 && family != nf::Family::ip6) {
    const auto compat = read_struct<nf_nat_ipv4_multi_range_compat>(info);
    if (!compat || compat->rangesize < 1) {
      return std::nullopt;
    }
    const nf_nat_ipv4_range& r = compat->range[0];
    out.flags = r.flags;
    out.address = IpAddress::v4(ntohl(r.min_ip));
    out.port_min = ntohs(r.min.all);
    out.port_max = ntohs(r.max.all);
    return out;
  }
  // rev 1 (nf_nat_range) and rev 2 (nf_nat_range2) share the leading fields;
  // so does IPv6 MASQUERADE/REDIRECT at rev 0.
  const auto range = read_struct<nf_nat_range>(info);
  if (!range || revision > 2) {
    return std::nullopt;
  }
  out.flags = range->flags;
  if (family == nf::Family::ip6) {
    std::uint8_t bytes[16];
    std::memcpy(bytes, &range->min_addr.in6, sizeof bytes);
    out.address = IpAddress::v6_bytes(bytes);
  } else {
    out.address = IpAddress::v4(ntohl(range->min_addr.ip));
  }
  out.port_min = ntohs(range->min_proto.all);
  out.port_max = ntohs(range->max_proto.all);
  return out;
}

nf::Action nat_action(nf::ActionKind kind, std::string_view name, std::uint32_t revision,
                      std::span<const std::uint8_t> info, nf::Family family) {
  const auto range = nat_range(revision, info, family);
  if (!range) {
    return unknown_action(fmt::format("xt target {} rev {} (unreadable range)", name, revision));
  }
  if ((range->flags & (NF_NAT_RANGE_PROTO_OFFSET | NF_NAT_RANGE_NETMAP)) != 0) {
    return unknown_action(fmt::format("xt target {} with a port offset or netmap", name));
  }
  nf::Action a;
  a.kind = kind;
  if ((range->flags & NF_NAT_RANGE_MAP_IPS) != 0 && kind != nf::ActionKind::masquerade &&
      kind != nf::ActionKind::redirect) {
    a.nat_address = range->address;
  }
  if ((range->flags & NF_NAT_RANGE_PROTO_SPECIFIED) != 0) {
    a.nat_port_min = range->port_min;
    a.nat_port_max = range->port_max;
  }
  return a;
}

}  // namespace

nf::Action decode_xt_target(std::string_view name, std::uint32_t revision, std::span<const std::uint8_t> info,
                            nf::Family family) {
  if (name == "DNAT") {
    return nat_action(nf::ActionKind::dnat, name, revision, info, family);
  }
  if (name == "SNAT") {
    return nat_action(nf::ActionKind::snat, name, revision, info, family);
  }
  if (name == "MASQUERADE") {
    return nat_action(nf::ActionKind::masquerade, name, revision, info, family);
  }
  if (name == "REDIRECT") {
    return nat_action(nf::ActionKind::redirect, name, revision, info, family);
  }
  nf::Action a;
  if (name == "REJECT") {
    a.kind = nf::ActionKind::reject;
    return a;
  }
  if (name == "NFQUEUE") {
    a.kind = nf::ActionKind::queue;
    return a;
  }
  if (std::find(k_continue_targets.begin(), k_continue_targets.end(), name) != k_continue_targets.end()) {
    a.kind = nf::ActionKind::next;
    return a;
  }
  return unknown_action(fmt::format("xt target {}", name));
}

std::vector<nf::MarkSet> decode_xt_target_marks(std::string_view name, std::uint32_t revision,
                                                std::span<const std::uint8_t> info) {
  using Slot = nf::MarkSet::Slot;
  if (name == "MARK" && revision == 2) {
    // new = (mark & ~mask) ^ value: --set-xmark, --or-mark (value = mask = bits), --and-mark.
    if (const auto m = read_struct<xt_mark_tginfo2>(info)) {
      return {nf::MarkSet{Slot::packet, Slot::packet, ~m->mask, m->mark}};
    }
  }
  if (name == "CONNMARK" && revision == 1) {
    if (const auto c = read_struct<xt_connmark_tginfo1>(info)) {
      switch (c->mode) {
        case XT_CONNMARK_SET:
          return {nf::MarkSet{Slot::connection, Slot::connection, ~c->ctmask, c->ctmark}};
        case XT_CONNMARK_SAVE:
          // ct = (ct & ~ctmask) ^ (mark & nfmask); whole-mark saves are what is written.
          if (c->ctmask == 0xffffffff) {
            return {nf::MarkSet{Slot::connection, Slot::packet, c->nfmask, 0}};
          }
          break;
        case XT_CONNMARK_RESTORE:
          if (c->nfmask == 0xffffffff) {
            return {nf::MarkSet{Slot::packet, Slot::connection, c->ctmask, 0}};
          }
          break;
        default:
          break;
      }
    }
  }
  return {};
}

}  // namespace whyno::netfilter
