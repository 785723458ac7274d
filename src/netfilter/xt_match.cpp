// x_tables match payloads -> nf::Match. Layouts come from the kernel uapi
// headers; the payload bytes are copied into the structs because neither
// netlink attributes nor table blobs promise their alignment.
#include "nf_decode_util.hpp"
#include "xt_decode.hpp"

#include <netinet/in.h>

#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/xt_addrtype.h>
#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_connmark.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter/xt_iprange.h>
#include <linux/netfilter/xt_mark.h>
#include <linux/netfilter/xt_multiport.h>
#include <linux/netfilter/xt_recent.h>
#include <linux/netfilter/xt_rpfilter.h>
#include <linux/netfilter/xt_state.h>
#include <linux/netfilter/xt_statistic.h>
#include <linux/netfilter/xt_tcpudp.h>
#include <linux/netfilter_ipv6/ip6t_rt.h>

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
    // --tcp-flags MASK COMP (--syn is FIN,SYN,RST,ACK SYN): (flags & mask) == comp.
    nf::Match m;
    m.field = nf::Field::tcp_flags;
    m.mask = tcp->flg_mask;
    m.ranges.emplace_back(tcp->flg_cmp & tcp->flg_mask, tcp->flg_cmp & tcp->flg_mask);
    m.negated = (tcp->invflags & XT_TCP_INV_FLAGS) != 0;
    out.matches.push_back(std::move(m));
  }
  if (tcp->option != 0) {
    out.matches.push_back(unknown_match(fmt::format(
        "tcp option {} present (which options a client's SYN carries is not known)", tcp->option)));
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
  if (mp.flags != XT_MULTIPORT_SOURCE && mp.flags != XT_MULTIPORT_DESTINATION &&
      mp.flags != XT_MULTIPORT_EITHER) {
    out.matches.push_back(unknown_match(fmt::format("xt match multiport (flags {})", mp.flags)));
    return out;
  }
  nf::Match m;
  m.field = mp.flags == XT_MULTIPORT_SOURCE        ? nf::Field::sport
            : mp.flags == XT_MULTIPORT_DESTINATION ? nf::Field::dport
                                                   : nf::Field::any_port;
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

namespace {

XtMatchResult one(nf::Match m) {
  XtMatchResult out;
  out.matches.push_back(std::move(m));
  return out;
}

nf::Match field_match(nf::Field field, std::string text, bool negated = false) {
  nf::Match m;
  m.field = field;
  m.text = std::move(text);
  m.negated = negated;
  return m;
}

/// The NUL-terminated name at the start of a payload, at most `max` bytes.
std::string name_in(std::span<const std::uint8_t> info, std::size_t max) {
  const std::size_t limit = std::min(info.size(), max);
  const auto* end = std::find(info.data(), info.data() + limit, std::uint8_t{0});
  return std::string(info.data(), end);
}

/// "3/minute": xt_rateinfo's avg is the average time between packets in
/// units of 1/XT_LIMIT_SCALE (10000) seconds.
std::string rate_text(std::uint32_t avg) {
  constexpr double k_scale = 10000;
  if (avg == 0) {
    return "unlimited";
  }
  const double per_second = k_scale / avg;
  if (per_second >= 1) {
    return fmt::format("{:g}/second", per_second);
  }
  if (per_second * 60 >= 1) {
    return fmt::format("{:g}/minute", per_second * 60);
  }
  return fmt::format("{:g}/hour", per_second * 3600);
}

XtMatchResult decode_limit(std::span<const std::uint8_t> info) {
  struct Rate {  // the first fields of xt_rateinfo: the rest are the kernel's
    std::uint32_t avg;
    std::uint32_t burst;
  };
  const auto r = read_struct<Rate>(info);
  if (!r) {
    return one(truncated("limit"));
  }
  return one(field_match(nf::Field::rate_limit,
                         fmt::format("-m limit --limit {} --limit-burst {}", rate_text(r->avg), r->burst)));
}

XtMatchResult decode_recent(std::span<const std::uint8_t> info) {
  const auto r = read_struct<xt_recent_mtinfo>(info);
  if (!r) {
    return one(truncated("recent"));
  }
  const std::string name(r->name, strnlen(r->name, sizeof r->name));
  const bool destination = r->side == XT_RECENT_DEST;
  const char* whose = destination ? "destination" : "source";
  const char* side = destination ? " --rdest" : "";
  const char* bang = r->invert != 0 ? "! " : "";
  if ((r->check_set & XT_RECENT_SET) != 0 && r->invert == 0) {
    // --set records the address and matches, whatever the history.
    return one(field_match(nf::Field::always, fmt::format("-m recent --set --name {}{}: records the {}; "
                                                          "always matches",
                                                          name, side, whose)));
  }
  const bool update = (r->check_set & XT_RECENT_UPDATE) != 0;
  const bool check = update || (r->check_set & XT_RECENT_CHECK) != 0;
  std::string options;
  std::string seen;
  if (r->seconds != 0) {
    options += fmt::format(" --seconds {}", r->seconds);
    seen += fmt::format(" in the last {} s", r->seconds);
  }
  if (r->hit_count != 0) {
    options += fmt::format(" --hitcount {}", r->hit_count);
    seen += fmt::format(" at least {} times", r->hit_count);
  }
  return one(unknown_match(
      check ? fmt::format("-m recent {}--{}{} --name {}{}: whether this {} was seen{} (a history whyno-port "
                          "cannot read)",
                          bang, update ? "update" : "rcheck", options, name, side, whose, seen)
            : fmt::format("-m recent {}--remove --name {}{}: whether this {} is in the list (a history "
                          "whyno-port cannot read)",
                          bang, name, side, whose)));
}

XtMatchResult decode_statistic(std::span<const std::uint8_t> info) {
  struct Statistic {  // xt_statistic_info without the kernel's pointer
    std::uint16_t mode;
    std::uint16_t flags;
    std::uint32_t a;  // random: probability; nth: every
    std::uint32_t packet;
  };
  const auto s = read_struct<Statistic>(info);
  if (!s) {
    return one(truncated("statistic"));
  }
  const bool inverted = (s->flags & XT_STATISTIC_INVERT) != 0;
  if (s->mode == XT_STATISTIC_MODE_RANDOM) {
    // probability is a share of 2^31; the kernel compares a random u32 with it.
    const double share = static_cast<double>(s->a) / 2147483648.0;
    return one(field_match(nf::Field::random,
                           fmt::format("-m statistic --mode random {}--probability {:.11f}: one of several "
                                       "random branches; the walk follows this one",
                                       inverted ? "! " : "", share)));
  }
  const std::string nth = fmt::format("-m statistic --mode nth {}--every {} --packet {}",
                                      inverted ? "! " : "", s->a + 1, s->packet);
  if (s->mode == XT_STATISTIC_MODE_NTH && s->a == 0 && !inverted) {
    return one(field_match(nf::Field::always, nth + ": always matches"));
  }
  return one(unknown_match(nth + ": which packet of the flow this is (a count whyno-port cannot read)"));
}

XtMatchResult decode_rpfilter(std::span<const std::uint8_t> info) {
  const auto r = read_struct<xt_rpfilter_info>(info);
  if (!r) {
    return one(truncated("rpfilter"));
  }
  return one(field_match(nf::Field::rpfilter,
                         fmt::format("-m rpfilter{}{}", (r->flags & XT_RPFILTER_LOOSE) ? " --loose" : "",
                                     (r->flags & XT_RPFILTER_VALID_MARK) ? " --validmark" : ""),
                         (r->flags & XT_RPFILTER_INVERT) != 0));
}

XtMatchResult decode_rt(std::span<const std::uint8_t> info) {
  const auto r = read_struct<ip6t_rt>(info);
  if (!r) {
    return one(truncated("rt"));
  }
  // Any rt match needs a routing header; the packets asked about have none.
  return one(field_match(
      nf::Field::ip6_routing_header,
      (r->flags & IP6T_RT_TYP) != 0
          ? fmt::format("-m rt {}--rt-type {}", (r->invflags & IP6T_RT_INV_TYP) ? "! " : "", r->rt_type)
          : std::string("-m rt")));
}

XtMatchResult decode_nfacct(std::span<const std::uint8_t> info) {
  return one(field_match(nf::Field::always, fmt::format("-m nfacct --nfacct-name {}: counts; always matches",
                                                        name_in(info, 32))));
}

XtMatchResult decode_iprange(std::span<const std::uint8_t> info, nf::Family family) {
  const auto r = read_struct<xt_iprange_mtinfo>(info);
  if (!r) {
    return one(truncated("iprange"));
  }
  XtMatchResult out;
  const auto add = [&](nf::Field field, const nf_inet_addr& lo, const nf_inet_addr& hi, bool inverted) {
    nf::Match m;
    m.field = field;
    m.negated = inverted;
    const bool v6 = family == nf::Family::ip6;
    const IpAddress first = v6 ? IpAddress::v6_bytes(reinterpret_cast<const std::uint8_t*>(&lo.in6))
                               : IpAddress::v4_bytes(reinterpret_cast<const std::uint8_t*>(&lo.in));
    const IpAddress last = v6 ? IpAddress::v6_bytes(reinterpret_cast<const std::uint8_t*>(&hi.in6))
                              : IpAddress::v4_bytes(reinterpret_cast<const std::uint8_t*>(&hi.in));
    m.prefixes = prefixes_covering(first, last);
    out.matches.push_back(std::move(m));
  };
  if ((r->flags & IPRANGE_SRC) != 0) {
    add(nf::Field::saddr, r->src_min, r->src_max, (r->flags & IPRANGE_SRC_INV) != 0);
  }
  if ((r->flags & IPRANGE_DST) != 0) {
    add(nf::Field::daddr, r->dst_min, r->dst_max, (r->flags & IPRANGE_DST_INV) != 0);
  }
  return out;
}

XtMatchResult decode_connmark(std::span<const std::uint8_t> info) {
  const auto c = read_struct<xt_connmark_mtinfo1>(info);
  if (!c) {
    return one(truncated("connmark"));
  }
  nf::Match m;
  m.field = nf::Field::ct_mark;
  m.mask = c->mask == 0xffffffff ? 0 : c->mask;
  m.negated = c->invert != 0;
  m.ranges.emplace_back(c->mark, c->mark);
  return one(std::move(m));
}

}  // namespace

XtMatchResult decode_xt_match(std::string_view name, std::uint32_t revision,
                              std::span<const std::uint8_t> info, nf::Family family) {
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
  if (name == "limit") {
    return decode_limit(info);
  }
  if (name == "hashlimit") {
    return one(field_match(nf::Field::rate_limit,
                           "-m hashlimit: a rate per source or destination, not exceeded by a first packet"));
  }
  if (name == "recent") {
    return decode_recent(info);
  }
  if (name == "statistic") {
    return decode_statistic(info);
  }
  if (name == "rpfilter") {
    return decode_rpfilter(info);
  }
  if (name == "rt") {
    return decode_rt(info);
  }
  if (name == "nfacct") {
    return decode_nfacct(info);
  }
  if (name == "iprange" && revision >= 1) {
    return decode_iprange(info, family);
  }
  if (name == "connmark" && revision >= 1) {
    return decode_connmark(info);
  }
  if (name == "set") {
    return one(unknown_match("-m set: an ipset, whose members whyno-port does not read"));
  }
  if (name == "physdev") {
    return one(unknown_match("-m physdev: which bridge port the packet crossed (not known)"));
  }
  if (name == "connlimit") {
    return one(unknown_match("-m connlimit: how many connections this source has open (not read)"));
  }
  if (name == "string" || name == "u32" || name == "bpf") {
    return one(
        unknown_match(fmt::format("-m {}: the packet's payload, which a SYN does not carry yet", name)));
  }
  XtMatchResult out;
  out.matches.push_back(unknown_match(fmt::format("xt match {}", name)));
  return out;
}

}  // namespace whyno::netfilter
