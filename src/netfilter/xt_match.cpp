// x_tables match payloads -> nf::Match. Layouts come from the kernel uapi
// headers; the payload bytes are copied into the structs because neither
// netlink attributes nor table blobs promise their alignment.
#include "nf_decode_util.hpp"
#include "xt_decode.hpp"

#include <netinet/in.h>

#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/xt_addrtype.h>
#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter/xt_mark.h>
#include <linux/netfilter/xt_multiport.h>
#include <linux/netfilter/xt_state.h>
#include <linux/netfilter/xt_tcpudp.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include <fmt/format.h>

namespace whyno::netfilter {

namespace {

// nft ct state bits (NF_CT_STATE_*), which nf::Match::mask uses. invalid,
// established, related and new sit on the same bits in xt_state and
// xt_conntrack; only "untracked" (and conntrack's SNAT/DNAT) differ.
constexpr std::uint32_t k_ct_basic_states = 0xf;
constexpr auto k_ct_untracked = static_cast<std::uint32_t>(NF_CT_STATE_UNTRACKED_BIT);
constexpr auto k_xt_conntrack_snat = static_cast<std::uint32_t>(XT_CONNTRACK_STATE_SNAT);
constexpr auto k_xt_conntrack_dnat = static_cast<std::uint32_t>(XT_CONNTRACK_STATE_DNAT);
constexpr auto k_xt_conntrack_untracked = static_cast<std::uint32_t>(XT_CONNTRACK_STATE_UNTRACKED);
constexpr auto k_xt_state_untracked = static_cast<std::uint32_t>(XT_STATE_UNTRACKED);
static_assert(k_xt_state_untracked == k_ct_untracked);
// core/ spells the NAT status bits out (it may not include kernel headers).
static_assert(nf::k_ct_status_snat == IPS_SRC_NAT && nf::k_ct_status_dnat == IPS_DST_NAT);
static_assert(((nf::k_ct_state_snat | nf::k_ct_state_dnat) & (k_ct_basic_states | k_ct_untracked)) == 0);

nf::Match truncated(std::string_view name) {
  return unknown_match(fmt::format("xt match {} (payload too short)", name));
}

/// A port range check; [0, 65535] without `!` checks nothing.
void add_ports(nf::Field field, const __u16 ports[2], bool inverted, XtMatchResult& out) {
  if (ports[0] == 0 && ports[1] == 0xffff && !inverted) {
    return;
  }
  nf::Match m;
  m.field = field;
  m.negated = inverted;
  m.ranges.emplace_back(ports[0], ports[1]);
  out.matches.push_back(std::move(m));
}

XtMatchResult decode_tcp(std::span<const std::uint8_t> info) {
  XtMatchResult out;
  const auto tcp = read_struct<xt_tcp>(info);
  if (!tcp) {
    out.matches.push_back(truncated("tcp"));
    return out;
  }
  add_ports(nf::Field::sport, tcp->spts, (tcp->invflags & XT_TCP_INV_SRCPT) != 0, out);
  add_ports(nf::Field::dport, tcp->dpts, (tcp->invflags & XT_TCP_INV_DSTPT) != 0, out);
  if (tcp->flg_mask != 0) {
    out.matches.push_back(
        unknown_match(fmt::format("xt match tcp flags {:#x}/{:#x}{}", tcp->flg_cmp, tcp->flg_mask,
                                  (tcp->invflags & XT_TCP_INV_FLAGS) ? " inverted" : "")));
  }
  if (tcp->option != 0) {
    out.matches.push_back(unknown_match(fmt::format("xt match tcp option {}", tcp->option)));
  }
  return out;
}

XtMatchResult decode_udp(std::span<const std::uint8_t> info) {
  XtMatchResult out;
  const auto udp = read_struct<xt_udp>(info);
  if (!udp) {
    out.matches.push_back(truncated("udp"));
    return out;
  }
  add_ports(nf::Field::sport, udp->spts, (udp->invflags & XT_UDP_INV_SRCPT) != 0, out);
  add_ports(nf::Field::dport, udp->dpts, (udp->invflags & XT_UDP_INV_DSTPT) != 0, out);
  return out;
}

void add_address_type(nf::Field field, std::uint32_t types, bool inverted, XtMatchResult& out) {
  if (types == 0) {
    return;  // this side is not checked
  }
  nf::Match m;
  m.field = field;
  m.negated = inverted;
  m.mask = types;  // XT_ADDRTYPE_* are 1 << RTN_*, the IR's convention
  out.matches.push_back(std::move(m));
}

XtMatchResult decode_addrtype(std::uint32_t revision, std::span<const std::uint8_t> info) {
  XtMatchResult out;
  if (revision == 0) {
    const auto a = read_struct<xt_addrtype_info>(info);
    if (!a) {
      out.matches.push_back(truncated("addrtype"));
      return out;
    }
    add_address_type(nf::Field::saddr_type, a->source, a->invert_source != 0, out);
    add_address_type(nf::Field::daddr_type, a->dest, a->invert_dest != 0, out);
    return out;
  }
  const auto a = read_struct<xt_addrtype_info_v1>(info);
  if (!a || revision != 1) {
    out.matches.push_back(unknown_match(fmt::format("xt match addrtype rev {}", revision)));
    return out;
  }
  add_address_type(nf::Field::saddr_type, a->source, (a->flags & XT_ADDRTYPE_INVERT_SOURCE) != 0, out);
  add_address_type(nf::Field::daddr_type, a->dest, (a->flags & XT_ADDRTYPE_INVERT_DEST) != 0, out);
  if ((a->flags & (XT_ADDRTYPE_LIMIT_IFACE_IN | XT_ADDRTYPE_LIMIT_IFACE_OUT)) != 0) {
    // The type is then looked up on one interface only: not what we model.
    out.matches.push_back(unknown_match("xt match addrtype --limit-iface-in/out"));
  }
  return out;
}

template <typename Info>
XtMatchResult decode_conntrack_info(const Info& c) {
  XtMatchResult out;
  constexpr unsigned k_modelled = XT_CONNTRACK_STATE | XT_CONNTRACK_STATE_ALIAS | XT_CONNTRACK_STATUS;
  if ((c.match_flags & XT_CONNTRACK_STATE) != 0) {
    nf::Match m;
    m.field = nf::Field::ct_state;
    m.negated = (c.invert_flags & XT_CONNTRACK_STATE) != 0;
    m.mask = ct_state_from_xt(c.state_mask, true);
    out.matches.push_back(std::move(m));
  }
  if ((c.match_flags & XT_CONNTRACK_STATUS) != 0) {
    // --ctstatus: status_mask holds IPS_* bits, as nf::Field::ct_status does.
    nf::Match m;
    m.field = nf::Field::ct_status;
    m.negated = (c.invert_flags & XT_CONNTRACK_STATUS) != 0;
    m.mask = c.status_mask;
    out.matches.push_back(std::move(m));
  }
  const unsigned others = c.match_flags & ~k_modelled;
  if (others != 0) {
    out.matches.push_back(
        unknown_match(fmt::format("xt match conntrack (flags {:#x} besides --ctstate/--ctstatus)", others)));
  }
  return out;
}

XtMatchResult decode_conntrack(std::uint32_t revision, std::span<const std::uint8_t> info) {
  std::optional<XtMatchResult> out;
  switch (revision) {
    case 1:
      if (const auto c = read_struct<xt_conntrack_mtinfo1>(info)) {
        out = decode_conntrack_info(*c);
      }
      break;
    case 2:
      if (const auto c = read_struct<xt_conntrack_mtinfo2>(info)) {
        out = decode_conntrack_info(*c);
      }
      break;
    case 3:
      if (const auto c = read_struct<xt_conntrack_mtinfo3>(info)) {
        out = decode_conntrack_info(*c);
      }
      break;
    default:
      break;
  }
  if (!out) {
    out.emplace();
    out->matches.push_back(unknown_match(fmt::format("xt match conntrack rev {}", revision)));
  }
  return std::move(*out);
}

XtMatchResult decode_state(std::span<const std::uint8_t> info) {
  XtMatchResult out;
  const auto s = read_struct<xt_state_info>(info);
  if (!s) {
    out.matches.push_back(truncated("state"));
    return out;
  }
  nf::Match m;
  m.field = nf::Field::ct_state;
  // `! --state X` is stored as the complement mask, so no negation here.
  m.mask = ct_state_from_xt(s->statemask, false);
  out.matches.push_back(std::move(m));
  return out;
}

XtMatchResult decode_comment(std::span<const std::uint8_t> info) {
  XtMatchResult out;
  const std::size_t limit = std::min<std::size_t>(info.size(), XT_MAX_COMMENT_LEN);
  const auto* begin = info.data();
  const auto* end = std::find(begin, begin + limit, std::uint8_t{0});
  out.comment.assign(begin, end);
  return out;
}

template <typename Info>
XtMatchResult decode_multiport_ports(const Info& mp, const std::uint8_t* pflags, bool inverted) {
  XtMatchResult out;
  if (mp.flags != XT_MULTIPORT_SOURCE && mp.flags != XT_MULTIPORT_DESTINATION) {
    out.matches.push_back(unknown_match("xt match multiport --ports (source or destination)"));
    return out;
  }
  nf::Match m;
  m.field = mp.flags == XT_MULTIPORT_SOURCE ? nf::Field::sport : nf::Field::dport;
  m.negated = inverted;
  const unsigned count = std::min<unsigned>(mp.count, XT_MULTI_PORTS);
  for (unsigned i = 0; i < count; ++i) {
    if (pflags != nullptr && pflags[i] != 0 && i + 1 < count) {
      m.ranges.emplace_back(mp.ports[i], mp.ports[i + 1]);  // ports are host order
      ++i;
    } else {
      m.ranges.emplace_back(mp.ports[i], mp.ports[i]);
    }
  }
  out.matches.push_back(std::move(m));
  return out;
}

XtMatchResult decode_multiport(std::uint32_t revision, std::span<const std::uint8_t> info) {
  if (revision == 0) {
    if (const auto mp = read_struct<xt_multiport>(info)) {
      return decode_multiport_ports(*mp, nullptr, false);
    }
  } else if (revision == 1) {
    if (const auto mp = read_struct<xt_multiport_v1>(info)) {
      return decode_multiport_ports(*mp, mp->pflags, mp->invert != 0);
    }
  }
  XtMatchResult out;
  out.matches.push_back(unknown_match(fmt::format("xt match multiport rev {}", revision)));
  return out;
}

XtMatchResult decode_mark(std::uint32_t revision, std::span<const std::uint8_t> info) {
  XtMatchResult out;
  const auto mark = read_struct<xt_mark_mtinfo1>(info);
  if (revision != 1 || !mark) {
    out.matches.push_back(unknown_match(fmt::format("xt match mark rev {}", revision)));
    return out;
  }
  nf::Match m;
  m.field = nf::Field::mark;
  m.negated = mark->invert != 0;
  m.mask = mark->mask == 0xffffffffu ? 0 : mark->mask;
  m.ranges.emplace_back(mark->mark, mark->mark);
  out.matches.push_back(std::move(m));
  return out;
}

}  // namespace

std::uint32_t ct_state_from_xt(std::uint32_t xt_mask, bool conntrack) {
  std::uint32_t mask = xt_mask & k_ct_basic_states;
  if (!conntrack) {
    return mask | (xt_mask & k_xt_state_untracked ? k_ct_untracked : 0);
  }
  mask |= (xt_mask & k_xt_conntrack_snat) != 0 ? nf::k_ct_state_snat : 0;
  mask |= (xt_mask & k_xt_conntrack_dnat) != 0 ? nf::k_ct_state_dnat : 0;
  return mask | (xt_mask & k_xt_conntrack_untracked ? k_ct_untracked : 0);
}

XtMatchResult decode_xt_match(std::string_view name, std::uint32_t revision,
                              std::span<const std::uint8_t> info, nf::Family family) {
  (void)family;  // the matches we decode have one layout for IPv4 and IPv6
  if (name == "tcp") {
    return decode_tcp(info);
  }
  if (name == "udp") {
    return decode_udp(info);
  }
  if (name == "addrtype") {
    return decode_addrtype(revision, info);
  }
  if (name == "conntrack") {
    return decode_conntrack(revision, info);
  }
  if (name == "state") {
    return decode_state(info);
  }
  if (name == "comment") {
    return decode_comment(info);
  }
  if (name == "multiport") {
    return decode_multiport(revision, info);
  }
  if (name == "mark") {
    return decode_mark(revision, info);
  }
  XtMatchResult out;
  out.matches.push_back(unknown_match(fmt::format("xt match {}", name)));
  return out;
}

}  // namespace whyno::netfilter
