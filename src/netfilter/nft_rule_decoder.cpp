#include "nf_decode_util.hpp"
#include "nft_rule_decoder.hpp"

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <libnftnl/expr.h>

#include <algorithm>

#include <fmt/format.h>

namespace whyno::netfilter::nft {

namespace {

std::optional<std::size_t> slot_of(std::uint32_t reg) {
  if (reg >= NFT_REG32_00 && reg <= NFT_REG32_15) {
    return reg - NFT_REG32_00;
  }
  if (reg >= NFT_REG_1 && reg <= NFT_REG_4) {
    return (reg - NFT_REG_1) * 4;
  }
  return std::nullopt;
}

bool is_range_op(CmpOp op) { return op != CmpOp::eq && op != CmpOp::neq; }

/// `th dport >= 1000` then `th dport <= 2000` (iptables-nft's port ranges)
/// become one match with the range [1000, 2000].
bool merge_bound(nf::Match& previous, const nf::Match& bound) {
  if (previous.field != bound.field || previous.negated || bound.negated || previous.ranges.size() != 1 ||
      bound.ranges.size() != 1) {
    return false;
  }
  auto& [lo, hi] = previous.ranges.front();
  lo = std::max(lo, bound.ranges.front().first);
  hi = std::min(hi, bound.ranges.front().second);
  if (lo > hi) {
    previous.ranges.clear();  // an empty range: never matches
  }
  return true;
}

}  // namespace

Bytes expr_data(const nftnl_expr* e, std::uint16_t attr) {
  if (!nftnl_expr_is_set(e, attr)) {
    return {};
  }
  std::uint32_t len = 0;
  const auto* p = static_cast<const std::uint8_t*>(nftnl_expr_get(e, attr, &len));
  return p == nullptr ? Bytes{} : Bytes(p, p + len);
}

std::string expr_str(const nftnl_expr* e, std::uint16_t attr) {
  const char* s = nftnl_expr_is_set(e, attr) ? nftnl_expr_get_str(e, attr) : nullptr;
  return s == nullptr ? std::string{} : std::string(s);
}

std::string_view expr_name(const nftnl_expr* e) {
  const char* name = nftnl_expr_is_set(e, NFTNL_EXPR_NAME) ? nftnl_expr_get_str(e, NFTNL_EXPR_NAME) : nullptr;
  return name == nullptr ? std::string_view() : std::string_view(name);
}

std::uint32_t expr_u32(const nftnl_expr* e, std::uint16_t attr, std::uint32_t fallback) {
  return nftnl_expr_is_set(e, attr) ? nftnl_expr_get_u32(e, attr) : fallback;
}

RuleDecoder::RuleDecoder(nf::Family family, std::uint32_t nfproto, std::string table, const SetIndex& sets)
    : m_family(family), m_nfproto(nfproto), m_table(std::move(table)), m_sets(sets) {
  m_ctx.family = family;
  // Docker's and kube-proxy's rules match on two to four fields: one
  // allocation instead of three regrowths, each moving every match.
  m_out.matches.reserve(4);
}

void RuleDecoder::run(const nftnl_expr* e) {
  if (m_done) {
    return;  // nothing after a terminal verdict is ever evaluated
  }
  const std::string_view name = expr_name(e);
  const std::optional<std::size_t> previous_cmp_slot = std::exchange(m_cmp_slot, std::nullopt);
  // The commonest names first: a cmp follows every load, and iptables-nft
  // puts a counter in every rule; each went past thirty comparisons with
  // other names (6% of a large read's instructions).
  if (name == "cmp") {
    cmp(e, previous_cmp_slot);
  } else if (name == "counter") {
    // counts and decides nothing (a side effect, as statement() says)
  } else if (auto load = decode_load(e, name, m_ctx)) {
    write(load->dreg, std::move(load->value), nullptr, load->ethertype);
  } else if (name == "range") {
    range(e);
  } else if (name == "bitwise") {
    bitwise(e);
  } else if (name == "lookup") {
    lookup(e);
  } else if (!statement(e, name)) {
    m_out.matches.push_back(unknown_match(fmt::format("{} expression", name)));
  }
}

void RuleDecoder::write(std::uint32_t reg, RegValue value, const Bytes* data, bool ethertype) {
  const auto slot = slot_of(reg);
  if (!slot) {
    return;
  }
  const std::size_t len = data != nullptr ? data->size() : value.len;
  const std::size_t slots = std::max<std::size_t>(1, (len + 3) / 4);
  for (std::size_t i = *slot; i < std::min(k_slots, *slot + slots); ++i) {
    m_regs[i] = RegValue{};
    m_ethertype[i] = false;
  }
  m_ethertype[*slot] = ethertype;
  m_regs[*slot] = std::move(value);
  if (data != nullptr) {
    const std::size_t room = m_bytes.size() - *slot * 4;
    std::copy_n(data->begin(), std::min(room, data->size()),
                m_bytes.begin() + static_cast<std::ptrdiff_t>(*slot * 4));
  }
}

RegValue RuleDecoder::read(std::uint32_t reg) const {
  const auto slot = slot_of(reg);
  if (!slot) {
    RegValue v;
    v.source = Source::unknown;
    v.text = fmt::format("register {}", reg);
    return v;
  }
  return m_regs[*slot];
}

std::vector<RegValue> RuleDecoder::concat_at(std::uint32_t reg, const SetInfo* set) const {
  std::vector<RegValue> out{read(reg)};
  const auto slot = slot_of(reg);
  if (set == nullptr || !slot || out.front().source != Source::field || out.front().len >= set->key_len) {
    return out;
  }
  // A concatenation: nft loads each field into the registers that follow,
  // each field starting on a register boundary, and the set's key spans them.
  std::uint32_t offset = concat_field_len(out.front().len);
  while (offset < set->key_len) {
    const std::size_t next = *slot + offset / 4;
    if (next >= k_slots || m_regs[next].source == Source::none || m_regs[next].len == 0) {
      break;  // vmap_action sees the lengths disagree
    }
    out.push_back(m_regs[next]);
    offset += concat_field_len(m_regs[next].len);
  }
  return out;
}

std::optional<Bytes> RuleDecoder::read_data(std::uint32_t reg, std::size_t len) const {
  const auto slot = slot_of(reg);
  if (!slot || m_regs[*slot].source != Source::data || m_regs[*slot].len < len) {
    return std::nullopt;
  }
  const auto begin = m_bytes.begin() + static_cast<std::ptrdiff_t>(*slot * 4);
  return Bytes(begin, begin + static_cast<std::ptrdiff_t>(len));
}

bool RuleDecoder::ethertype_cmp(CmpOp op, const Bytes& data) {
  if ((op != CmpOp::eq && op != CmpOp::neq) || data.size() != 2) {
    return false;
  }
  std::uint32_t nfproto = 0;
  switch (big_endian(data)) {
    case 0x0800:
      nfproto = NFPROTO_IPV4;
      break;
    case 0x86dd:
      nfproto = NFPROTO_IPV6;
      break;
    case 0x0806:
      nfproto = NFPROTO_ARP;
      break;
    default:
      return false;
  }
  nf::Match m;
  m.field = nf::Field::nfproto;
  m.negated = op == CmpOp::neq;
  m.ranges.emplace_back(nfproto, nfproto);
  if (!m.negated && nfproto != NFPROTO_ARP) {
    m_ctx.l3 = nfproto == NFPROTO_IPV4 ? IpFamily::v4 : IpFamily::v6;
  }
  m_out.matches.push_back(std::move(m));
  return true;
}

void RuleDecoder::cmp(const nftnl_expr* e, std::optional<std::size_t> previous_cmp_slot) {
  const std::uint32_t sreg = expr_u32(e, NFTNL_EXPR_CMP_SREG);
  const auto op = static_cast<CmpOp>(expr_u32(e, NFTNL_EXPR_CMP_OP));
  const Bytes data = expr_data(e, NFTNL_EXPR_CMP_DATA);
  const auto slot = slot_of(sreg);
  m_cmp_slot = slot;
  if (slot && m_ethertype[*slot] && ethertype_cmp(op, data)) {
    return;
  }
  const RegValue v = read(sreg);
  nf::Match m;
  m.field = v.field;
  if (v.source == Source::field && v.field == nf::Field::random) {
    // `numgen random mod 2 == 0 goto a`: one of several random branches,
    // which the walk follows as it follows a statistic rule.
    m.text = describe_compare(v, op, data) + ": one of several random branches; the walk follows this one";
    m_out.matches.push_back(std::move(m));
    return;
  }
  if (v.source != Source::field || op > CmpOp::gte || !add_compare(v, op, data, m)) {
    m_out.matches.push_back(unknown_match(describe_compare(v, op, data)));
    return;
  }
  if (is_range_op(op) && previous_cmp_slot == slot && !m_out.matches.empty() &&
      merge_bound(m_out.matches.back(), m)) {
    return;
  }
  if (m.field == nf::Field::nfproto && !m.negated && m.ranges.size() == 1) {
    const std::uint32_t family = m.ranges.front().first;
    if (family == NFPROTO_IPV4 || family == NFPROTO_IPV6) {
      m_ctx.l3 = family == NFPROTO_IPV4 ? IpFamily::v4 : IpFamily::v6;
    }
  }
  m_out.matches.push_back(std::move(m));
}

void RuleDecoder::range(const nftnl_expr* e) {
  const RegValue v = read(expr_u32(e, NFTNL_EXPR_RANGE_SREG));
  const bool negated = expr_u32(e, NFTNL_EXPR_RANGE_OP) == NFT_RANGE_NEQ;
  const Bytes from = expr_data(e, NFTNL_EXPR_RANGE_FROM_DATA);
  const Bytes to = expr_data(e, NFTNL_EXPR_RANGE_TO_DATA);
  nf::Match m;
  m.field = v.field;
  m.negated = negated;
  if (v.source != Source::field || !add_interval(v, from, to, m)) {
    m_out.matches.push_back(unknown_match(fmt::format("{} {}{}-{}", v.text.empty() ? "register" : v.text,
                                                      negated ? "!= " : "", hex(from), hex(to))));
    return;
  }
  m_out.matches.push_back(std::move(m));
}

void RuleDecoder::bitwise(const nftnl_expr* e) {
  const std::uint32_t sreg = expr_u32(e, NFTNL_EXPR_BITWISE_SREG);
  const std::uint32_t dreg = expr_u32(e, NFTNL_EXPR_BITWISE_DREG);
  const std::uint32_t op = expr_u32(e, NFTNL_EXPR_BITWISE_OP, NFT_BITWISE_BOOL);
  const Bytes mask = expr_data(e, NFTNL_EXPR_BITWISE_MASK);
  const Bytes xor_ = expr_data(e, NFTNL_EXPR_BITWISE_XOR);
  const auto slot = slot_of(sreg);
  RegValue v = read(sreg);
  const bool ethertype = slot && m_ethertype[*slot];
  const bool xors = std::any_of(xor_.begin(), xor_.end(), [](std::uint8_t b) { return b != 0; });
  const bool a_mark =
      v.source == Source::field && (v.field == nf::Field::mark || v.field == nf::Field::ct_mark);
  if (op == NFT_BITWISE_BOOL && a_mark && xors && v.mask.empty() && v.xor_.empty()) {
    // `meta mark | 0x4000` on its way to `meta mark set` / `ct mark set`.
    v.mask = mask;
    v.xor_ = xor_;
    write(dreg, std::move(v), nullptr);
    return;
  }
  if (op != NFT_BITWISE_BOOL || ethertype || (v.source == Source::field && xors) || !v.xor_.empty()) {
    RegValue out;
    out.source = Source::unknown;
    out.len = v.len;
    out.text = fmt::format("{} (bitwise {}{})", v.text.empty() ? "register" : v.text,
                           op != NFT_BITWISE_BOOL ? "shift" : "& ",
                           op != NFT_BITWISE_BOOL ? "" : hex(mask) + " ^ " + hex(xor_));
    write(dreg, std::move(out), nullptr);
    return;
  }
  if (v.source == Source::data) {
    auto bytes = read_data(sreg, v.len).value_or(Bytes{});
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      const std::uint8_t m = i < mask.size() ? mask[i] : 0;
      const std::uint8_t x = i < xor_.size() ? xor_[i] : 0;
      bytes[i] = static_cast<std::uint8_t>((bytes[i] & m) ^ x);
    }
    write(dreg, v, &bytes);
    return;
  }
  if (v.source == Source::field || v.source == Source::unknown) {
    if (v.mask.empty()) {
      v.mask = mask;
    } else {
      for (std::size_t i = 0; i < v.mask.size(); ++i) {
        v.mask[i] = static_cast<std::uint8_t>(v.mask[i] & (i < mask.size() ? mask[i] : 0));
      }
    }
    if (std::all_of(v.mask.begin(), v.mask.end(), [](std::uint8_t b) { return b == 0xff; })) {
      v.mask.clear();  // & 0xff..ff changes nothing
    }
  }
  write(dreg, std::move(v), nullptr);
}

void RuleDecoder::lookup(const nftnl_expr* e) {
  const RegValue key = read(expr_u32(e, NFTNL_EXPR_LOOKUP_SREG));
  const std::string set_name = expr_str(e, NFTNL_EXPR_LOOKUP_SET);
  const bool negated = (expr_u32(e, NFTNL_EXPR_LOOKUP_FLAGS) & NFT_LOOKUP_F_INV) != 0;
  const auto it = m_sets.find(SetKey{m_nfproto, m_table, set_name});
  const SetInfo* set = it == m_sets.end() ? nullptr : &it->second;
  if (!nftnl_expr_is_set(e, NFTNL_EXPR_LOOKUP_DREG)) {
    m_out.matches.push_back(set_match(key, set, set_name, negated));
    return;
  }
  const std::uint32_t dreg = nftnl_expr_get_u32(e, NFTNL_EXPR_LOOKUP_DREG);
  if (dreg == NFT_REG_VERDICT) {
    set_action(vmap_action(concat_at(expr_u32(e, NFTNL_EXPR_LOOKUP_SREG), set), set, set_name));
    return;
  }
  // A data map: a key missing from the map ends the rule, so membership is
  // a condition too. The value it loads is not modelled.
  m_out.matches.push_back(set_match(key, set, set_name, false));
  RegValue value;
  value.source = Source::unknown;
  value.text = fmt::format("@{} value", set_name);
  write(dreg, std::move(value), nullptr);
}

}  // namespace whyno::netfilter::nft
