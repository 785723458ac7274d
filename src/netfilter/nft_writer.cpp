#include "nft_writer.hpp"

#include <linux/netfilter/nf_tables.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/udata.h>

#include <algorithm>
#include <string>

#include "nft_objects.hpp"
#include "nft_rule_decoder.hpp"

namespace whyno::netfilter::nft {

namespace {

// iptables' enum udata_type (iptables/nft.h): COMMENT 0, EBTABLES_POLICY 1,
// COMPAT_EXT 2. libnftnl's rule types stop at EBTABLES_POLICY.
constexpr std::uint8_t k_udata_compat_ext = 2;
constexpr std::size_t k_ifnamsiz = 16;

bool is_verdict(const std::string& name) { return name == "immediate" || name == "target"; }

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

WriterSignals writer_signals(const nftnl_rule* rule) {
  WriterSignals out;
  // Where the expression before loaded iifname/oifname; the verdict register
  // (no meta load ever writes it) when it loaded something else.
  std::uint32_t interface_register = NFT_REG_VERDICT;
  bool after_counter = false;  // the expression before this one was the counter
  bool counter_misplaced = false;
  ExprIterPtr it(nftnl_expr_iter_create(rule));
  for (nftnl_expr* e = it ? nftnl_expr_iter_next(it.get()) : nullptr; e != nullptr;
       e = nftnl_expr_iter_next(it.get())) {
    const std::string name = expr_str(e, NFTNL_EXPR_NAME);
    if (after_counter && !is_verdict(name)) {
      counter_misplaced = true;
    }
    after_counter = false;
    if (name == "counter") {
      ++out.counters;
      after_counter = true;
    } else if (name == "match" || name == "target") {
      out.xt = true;
    } else if (name == "lookup" || name == "dynset") {
      out.set_lookup = true;
    } else if (name == "cmp" && interface_register != NFT_REG_VERDICT &&
               expr_u32(e, NFTNL_EXPR_CMP_SREG) == interface_register) {
      note_interface(expr_data(e, NFTNL_EXPR_CMP_DATA), out);
    }
    interface_register = NFT_REG_VERDICT;
    if (name == "meta") {
      const std::uint32_t key = expr_u32(e, NFTNL_EXPR_META_KEY);
      if (nftnl_expr_is_set(e, NFTNL_EXPR_META_DREG) &&
          (key == NFT_META_IIFNAME || key == NFT_META_OIFNAME)) {
        interface_register = expr_u32(e, NFTNL_EXPR_META_DREG);
      }
    }
  }
  out.counter_before_verdict = out.counters == 1 && !counter_misplaced;
  if (nftnl_rule_is_set(rule, NFTNL_RULE_USERDATA)) {
    std::uint32_t length = 0;
    const auto* data =
        static_cast<const std::uint8_t*>(nftnl_rule_get_data(rule, NFTNL_RULE_USERDATA, &length));
    if (data != nullptr) {
      note_userdata({data, length}, out);
    }
  }
  return out;
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
