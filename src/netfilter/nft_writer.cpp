#include "nft_writer.hpp"

#include <linux/netfilter/nf_tables.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/udata.h>

#include <algorithm>
#include <string>
#include <string_view>

#include "nft_objects.hpp"
#include "nft_rule_decoder.hpp"

namespace whyno::netfilter::nft {

namespace {

// iptables' enum udata_type (iptables/nft.h): COMMENT 0, EBTABLES_POLICY 1,
// COMPAT_EXT 2. libnftnl's rule types stop at EBTABLES_POLICY.
constexpr std::uint8_t k_udata_compat_ext = 2;
constexpr std::size_t k_ifnamsiz = 16;

bool is_verdict(std::string_view name) { return name == "immediate" || name == "target"; }

/// A cmp of an interface name loaded by the expression before it.
void note_interface(const Bytes& data, WriterSignals& out) {
  const auto nul = std::find(data.begin(), data.end(), std::uint8_t{0});
  if (nul == data.end()) {
    return;  // a wildcard: the bare prefix, whoever wrote it
  }
  const auto name_length = static_cast<std::size_t>(nul - data.begin());
  if (data.size() == name_length + 1 && data.size() < k_ifnamsiz) {
    out.short_interface = true;
  } else if (data.size() == k_ifnamsiz && name_length + 1 < k_ifnamsiz) {
    out.padded_interface = true;
  }
}

}  // namespace

void note_userdata(std::span<const std::uint8_t> userdata, WriterSignals& out) {
  std::size_t at = 0;
  while (at + 2 <= userdata.size()) {
    const std::uint8_t type = userdata[at];
    const std::size_t length = userdata[at + 1];
    if (at + 2 + length > userdata.size()) {
      return;
    }
    out.comment_userdata = out.comment_userdata || type == NFTNL_UDATA_RULE_COMMENT;
    out.compat_userdata = out.compat_userdata || type == k_udata_compat_ext;
    at += 2 + length;
  }
}

void WriterWatch::see(const nftnl_expr* e) {
  const std::string_view name = expr_name(e);
  if (m_after_counter && !is_verdict(name)) {
    m_counter_misplaced = true;
  }
  m_after_counter = false;
  if (name == "counter") {
    ++m_out.counters;
    m_after_counter = true;
  } else if (name == "match" || name == "target") {
    m_out.xt = true;
  } else if (name == "lookup" || name == "dynset") {
    m_out.set_lookup = true;
  } else if (name == "cmp" && m_interface_register != NFT_REG_VERDICT &&
             expr_u32(e, NFTNL_EXPR_CMP_SREG) == m_interface_register) {
    note_interface(expr_data(e, NFTNL_EXPR_CMP_DATA), m_out);
  }
  m_interface_register = NFT_REG_VERDICT;
  if (name == "meta") {
    const std::uint32_t key = expr_u32(e, NFTNL_EXPR_META_KEY);
    if (nftnl_expr_is_set(e, NFTNL_EXPR_META_DREG) && (key == NFT_META_IIFNAME || key == NFT_META_OIFNAME)) {
      m_interface_register = expr_u32(e, NFTNL_EXPR_META_DREG);
    }
  }
}

WriterSignals WriterWatch::finish(const nftnl_rule* rule) {
  m_out.counter_before_verdict = m_out.counters == 1 && !m_counter_misplaced;
  if (nftnl_rule_is_set(rule, NFTNL_RULE_USERDATA)) {
    std::uint32_t length = 0;
    const auto* data =
        static_cast<const std::uint8_t*>(nftnl_rule_get_data(rule, NFTNL_RULE_USERDATA, &length));
    if (data != nullptr) {
      note_userdata({data, length}, m_out);
    }
  }
  return m_out;
}

nf::Writer writer_from(const WriterSignals& signals) {
  if (signals.xt || signals.compat_userdata || (signals.short_interface && !signals.padded_interface)) {
    return nf::Writer::iptables;
  }
  if (!signals.counter_before_verdict || signals.comment_userdata || signals.set_lookup ||
      signals.padded_interface) {
    return nf::Writer::nft;
  }
  return nf::Writer::unknown;
}

}  // namespace whyno::netfilter::nft
