#pragma once
// One nftables rule's expressions -> matches, an action and a comment,
// by running the expressions over a model of the register file.

#include <cstdint>
#include <string>
#include <vector>

#include "nft_sets.hpp"
#include "whyno/model/ruleset.hpp"

struct nftnl_rule;

namespace whyno::netfilter::nft {

struct DecodedRule {
  std::vector<nf::Match> matches;
  nf::Action action;
  std::string comment;
  nf::Writer writer = nf::Writer::unknown;
  std::vector<nf::MarkSet> marks;
};

/// `nfproto` is the rule's raw family (NFPROTO_*), used to find its sets.
DecodedRule decode_rule(const nftnl_rule* rule, nf::Family family, std::uint32_t nfproto,
                        const SetIndex& sets);

/// NFTNL_UDATA_RULE_COMMENT from a rule's user data TLVs ("" if none).
/// The same TLVs carry a set element's comment (NFTNL_UDATA_SET_ELEM_COMMENT,
/// also type 0): `type` says which to take.
std::string udata_comment(const std::uint8_t* data, std::size_t len, std::uint8_t type = 0);

}  // namespace whyno::netfilter::nft
