// The statements of a rule: verdicts, NAT, xt compat, and the expressions
// that only have side effects.
#include "nft_rule_decoder.hpp"

#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/nf_tables.h>
#include <libnftnl/expr.h>

#include <algorithm>
#include <array>
#include <span>

#include <fmt/format.h>

#include "xt_decode.hpp"

namespace whyno::netfilter::nft {

namespace {

std::string unit_name(std::uint64_t seconds) {
  switch (seconds) {
    case 1:
      return "second";
    case 60:
      return "minute";
    case 3600:
      return "hour";
    case 86400:
      return "day";
    case 604800:
      return "week";
    default:
      return fmt::format("{} seconds", seconds);
  }
}

/// Expressions that make matching depend on state we cannot see.
std::optional<std::string> stateful_match(const nftnl_expr* e, std::string_view name) {
  if (name == "limit") {
    const bool over = (expr_u32(e, NFTNL_EXPR_LIMIT_FLAGS) & NFT_LIMIT_F_INV) != 0;
    const bool bytes = expr_u32(e, NFTNL_EXPR_LIMIT_TYPE) == NFT_LIMIT_PKT_BYTES;
    return fmt::format("limit rate {}{}{}/{}", over ? "over " : "",
                       nftnl_expr_get_u64(e, NFTNL_EXPR_LIMIT_RATE), bytes ? " bytes" : "",
                       unit_name(nftnl_expr_get_u64(e, NFTNL_EXPR_LIMIT_UNIT)));
  }
  if (name == "quota") {
    const bool over = (expr_u32(e, NFTNL_EXPR_QUOTA_FLAGS) & NFT_QUOTA_F_INV) != 0;
    return fmt::format(
        "quota {}{} bytes: whether that many bytes have passed already (a count "
        "whyno-port does not read)",
        over ? "over " : "", nftnl_expr_get_u64(e, NFTNL_EXPR_QUOTA_BYTES));
  }
  if (name == "connlimit") {
    const bool over = (expr_u32(e, NFTNL_EXPR_CONNLIMIT_FLAGS) & NFT_CONNLIMIT_F_INV) != 0;
    return fmt::format("ct count {}{}: how many connections are open already (not read)", over ? "over " : "",
                       expr_u32(e, NFTNL_EXPR_CONNLIMIT_COUNT));
  }
  return std::nullopt;
}

/// Statements that neither decide a verdict nor make the rule conditional,
/// including register writes back into the packet or conntrack (meta set,
/// ct set, payload write...), which decode_load() declined.
bool is_side_effect(std::string_view name) {
  static constexpr std::array<std::string_view, 20> k_names = {
      "counter",      "log",  "notrack", "objref",  "dynset", "last",     "dup",
      "flow_offload", "meta", "ct",      "payload", "exthdr", "rt",       "socket",
      "osf",          "hash", "numgen",  "xfrm",    "tunnel", "byteorder"};
  return std::find(k_names.begin(), k_names.end(), name) != k_names.end();
}

}  // namespace

bool RuleDecoder::statement(const nftnl_expr* e, std::string_view name) {
  if (name == "immediate") {
    immediate(e);
  } else if (name == "nat") {
    nat(e);
  } else if (name == "masq" || name == "redir") {
    masq_or_redir(e, name == "masq");
  } else if (name == "reject") {
    set_kind(nf::ActionKind::reject);
  } else if (name == "queue") {
    set_kind(nf::ActionKind::queue);
  } else if (name == "match") {
    xt_match(e);
  } else if (name == "target") {
    xt_target(e);
  } else if (name == "limit") {
    nf::Match m;
    m.field = nf::Field::rate_limit;
    m.negated = (expr_u32(e, NFTNL_EXPR_LIMIT_FLAGS) & NFT_LIMIT_F_INV) != 0;
    m.text = *stateful_match(e, name);
    m_out.matches.push_back(std::move(m));
  } else if (name == "meta" && nftnl_expr_is_set(e, NFTNL_EXPR_META_SREG) &&
             expr_u32(e, NFTNL_EXPR_META_KEY) == NFT_META_MARK) {
    mark_set(e, false);
  } else if (name == "ct" && nftnl_expr_is_set(e, NFTNL_EXPR_CT_SREG) &&
             expr_u32(e, NFTNL_EXPR_CT_KEY) == NFT_CT_MARK) {
    mark_set(e, true);
  } else if (auto text = stateful_match(e, name)) {
    m_out.matches.push_back(unknown_match(std::move(*text)));
  } else if (name == "synproxy" || name == "tproxy" || name == "fwd") {
    set_action(unknown_action(std::string(name)));
  } else {
    return is_side_effect(name);
  }
  return true;
}

void RuleDecoder::immediate(const nftnl_expr* e) {
  const std::uint32_t dreg = expr_u32(e, NFTNL_EXPR_IMM_DREG);
  if (dreg != NFT_REG_VERDICT) {
    const Bytes data = expr_data(e, NFTNL_EXPR_IMM_DATA);
    RegValue v;
    v.source = Source::data;
    v.len = static_cast<std::uint32_t>(data.size());
    v.text = hex(data);
    write(dreg, std::move(v), &data);
    return;
  }
  const auto verdict = static_cast<std::int32_t>(expr_u32(e, NFTNL_EXPR_IMM_VERDICT));
  const auto kind = verdict_kind(verdict);
  if (!kind) {
    set_action(unknown_action(fmt::format("verdict {}", verdict)));
    return;
  }
  nf::Action a;
  a.kind = *kind;
  if (a.kind == nf::ActionKind::jump || a.kind == nf::ActionKind::goto_) {
    a.chain = expr_str(e, NFTNL_EXPR_IMM_CHAIN);
  }
  set_action(std::move(a));
}

std::optional<std::uint16_t> RuleDecoder::port_in(const nftnl_expr* e, std::uint16_t attr) const {
  const auto bytes = read_data(expr_u32(e, attr), 2);
  if (!bytes) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(big_endian(*bytes));  // network byte order
}

void RuleDecoder::nat(const nftnl_expr* e) {
  const bool dnat = expr_u32(e, NFTNL_EXPR_NAT_TYPE) == NFT_NAT_DNAT;
  const char* what = dnat ? "dnat" : "snat";
  const std::uint32_t flags = expr_u32(e, NFTNL_EXPR_NAT_FLAGS);
  std::uint32_t family = expr_u32(e, NFTNL_EXPR_NAT_FAMILY, m_nfproto);
  if (family != NFPROTO_IPV4 && family != NFPROTO_IPV6) {
    family = m_family == nf::Family::ip6 ? NFPROTO_IPV6 : NFPROTO_IPV4;
  }
  if ((flags & (NF_NAT_RANGE_PROTO_OFFSET | NF_NAT_RANGE_NETMAP)) != 0) {
    set_action(unknown_action(fmt::format("{} with a port offset or prefix mapping", what)));
    return;
  }
  nf::Action a;
  a.kind = dnat ? nf::ActionKind::dnat : nf::ActionKind::snat;
  if (nftnl_expr_is_set(e, NFTNL_EXPR_NAT_REG_ADDR_MIN)) {
    const bool v6 = family == NFPROTO_IPV6;
    const auto bytes = read_data(expr_u32(e, NFTNL_EXPR_NAT_REG_ADDR_MIN), v6 ? 16 : 4);
    if (!bytes) {
      set_action(unknown_action(fmt::format("{} to an address from a map or expression", what)));
      return;
    }
    a.nat_address = v6 ? IpAddress::v6_bytes(bytes->data()) : IpAddress::v4_bytes(bytes->data());
  }
  if (nftnl_expr_is_set(e, NFTNL_EXPR_NAT_REG_PROTO_MIN)) {
    const auto min = port_in(e, NFTNL_EXPR_NAT_REG_PROTO_MIN);
    const auto max =
        nftnl_expr_is_set(e, NFTNL_EXPR_NAT_REG_PROTO_MAX) ? port_in(e, NFTNL_EXPR_NAT_REG_PROTO_MAX) : min;
    if (!min || !max) {
      set_action(unknown_action(fmt::format("{} to a port from a map or expression", what)));
      return;
    }
    a.nat_port_min = *min;
    a.nat_port_max = *max;
  }
  if (nftnl_expr_is_set(e, NFTNL_EXPR_NAT_FAMILY)) {
    m_nat_nfproto = family;
  }
  set_action(std::move(a));
}

void RuleDecoder::masq_or_redir(const nftnl_expr* e, bool masq) {
  nf::Action a;
  a.kind = masq ? nf::ActionKind::masquerade : nf::ActionKind::redirect;
  const auto min_attr = static_cast<std::uint16_t>(masq ? int{NFTNL_EXPR_MASQ_REG_PROTO_MIN}
                                                        : int{NFTNL_EXPR_REDIR_REG_PROTO_MIN});
  const auto max_attr = static_cast<std::uint16_t>(masq ? int{NFTNL_EXPR_MASQ_REG_PROTO_MAX}
                                                        : int{NFTNL_EXPR_REDIR_REG_PROTO_MAX});
  if (nftnl_expr_is_set(e, min_attr)) {
    const auto min = port_in(e, min_attr);
    const auto max = nftnl_expr_is_set(e, max_attr) ? port_in(e, max_attr) : min;
    if (!min || !max) {
      set_action(unknown_action(
          fmt::format("{} to a port from a map or expression", masq ? "masquerade" : "redirect")));
      return;
    }
    a.nat_port_min = *min;
    a.nat_port_max = *max;
  }
  set_action(std::move(a));
}

void RuleDecoder::xt_match(const nftnl_expr* e) {
  const Bytes info = expr_data(e, NFTNL_EXPR_MT_INFO);
  XtMatchResult r = decode_xt_match(expr_str(e, NFTNL_EXPR_MT_NAME), expr_u32(e, NFTNL_EXPR_MT_REV),
                                    std::span<const std::uint8_t>(info), m_family);
  for (auto& m : r.matches) {
    m_out.matches.push_back(std::move(m));
  }
  if (!r.comment.empty() && m_out.comment.empty()) {
    m_out.comment = std::move(r.comment);
  }
}

void RuleDecoder::xt_target(const nftnl_expr* e) {
  const Bytes info = expr_data(e, NFTNL_EXPR_TG_INFO);
  const std::string name = expr_str(e, NFTNL_EXPR_TG_NAME);
  const std::uint32_t revision = expr_u32(e, NFTNL_EXPR_TG_REV);
  for (nf::MarkSet& m : decode_xt_target_marks(name, revision, std::span<const std::uint8_t>(info))) {
    m_out.marks.push_back(m);
  }
  set_action(decode_xt_target(name, revision, std::span<const std::uint8_t>(info), m_family));
}

void RuleDecoder::mark_set(const nftnl_expr* e, bool connection) {
  // `meta mark set V`, `meta mark set meta mark | V`, `ct mark set meta mark | V` ...
  const std::uint32_t sreg = expr_u32(
      e, static_cast<std::uint16_t>(connection ? int{NFTNL_EXPR_CT_SREG} : int{NFTNL_EXPR_META_SREG}));
  const RegValue v = read(sreg);
  nf::MarkSet set;
  set.target = connection ? nf::MarkSet::Slot::connection : nf::MarkSet::Slot::packet;
  if (v.source == Source::data) {
    const auto bytes = read_data(sreg, 4);
    if (!bytes) {
      return;
    }
    set.from = nf::MarkSet::Slot::value;
    set.xor_value = host_u32(*bytes);
  } else if (v.source == Source::field && (v.field == nf::Field::mark || v.field == nf::Field::ct_mark)) {
    set.from = v.field == nf::Field::mark ? nf::MarkSet::Slot::packet : nf::MarkSet::Slot::connection;
    set.and_mask = v.mask.empty() ? 0xffffffff : host_u32(v.mask);
    set.xor_value = v.xor_.empty() ? 0 : host_u32(v.xor_);
  } else {
    return;  // a mark from elsewhere (a map, a hash): not followed
  }
  m_out.marks.push_back(set);
}

void RuleDecoder::set_kind(nf::ActionKind kind) {
  nf::Action a;
  a.kind = kind;
  set_action(std::move(a));
}

void RuleDecoder::set_action(nf::Action a) {
  m_out.action = std::move(a);
  m_done = m_out.action.kind != nf::ActionKind::next;
}

DecodedRule RuleDecoder::finish() {
  const auto same_family = [&](const nf::Match& m) {
    return m.field == nf::Field::nfproto && !m.negated && m.ranges.size() == 1 &&
           m.ranges.front().first == *m_nat_nfproto && m.ranges.front().second == *m_nat_nfproto;
  };
  if (m_nat_nfproto && m_family == nf::Family::inet &&
      std::none_of(m_out.matches.begin(), m_out.matches.end(), same_family)) {
    // `dnat ip to` in an inet table leaves packets of the other family alone.
    nf::Match m;
    m.field = nf::Field::nfproto;
    m.ranges.emplace_back(*m_nat_nfproto, *m_nat_nfproto);
    m_out.matches.push_back(std::move(m));
  }
  return std::move(m_out);
}

}  // namespace whyno::netfilter::nft
