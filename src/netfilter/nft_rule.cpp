#include "nft_rule.hpp"

#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/udata.h>

#include <algorithm>

#include "nft_objects.hpp"
#include "nft_rule_decoder.hpp"
#include "nft_writer.hpp"

namespace whyno::netfilter::nft {

std::string udata_comment(const std::uint8_t* data, std::size_t len, std::uint8_t wanted) {
  // libnftnl user data: a sequence of {u8 type, u8 len, value[len]}.
  std::size_t at = 0;
  while (data != nullptr && at + 2 <= len) {
    const std::uint8_t type = data[at];
    const std::size_t value_len = data[at + 1];
    const std::uint8_t* value = data + at + 2;
    if (at + 2 + value_len > len) {
      break;
    }
    if (type == wanted) {
      return std::string(value, std::find(value, value + value_len, std::uint8_t{0}));
    }
    at += 2 + value_len;
  }
  return {};
}

DecodedRule decode_rule(const nftnl_rule* rule, nf::Family family, std::uint32_t nfproto,
                        const SetIndex& sets) {
  const char* table = nftnl_rule_get_str(rule, NFTNL_RULE_TABLE);
  RuleDecoder decoder(family, nfproto, table == nullptr ? "" : table, sets);
  WriterWatch writer;
  ExprIterPtr it(nftnl_expr_iter_create(rule));
  if (it) {
    for (nftnl_expr* e = nftnl_expr_iter_next(it.get()); e != nullptr; e = nftnl_expr_iter_next(it.get())) {
      decoder.run(e);
      writer.see(e);
    }
  }
  DecodedRule out = decoder.finish();
  out.writer = writer_from(writer.finish(rule));
  if (nftnl_rule_is_set(rule, NFTNL_RULE_USERDATA)) {
    std::uint32_t len = 0;
    const auto* data = static_cast<const std::uint8_t*>(nftnl_rule_get_data(rule, NFTNL_RULE_USERDATA, &len));
    std::string comment = udata_comment(data, len);
    if (!comment.empty()) {
      out.comment = std::move(comment);
    }
  }
  return out;
}

}  // namespace whyno::netfilter::nft
