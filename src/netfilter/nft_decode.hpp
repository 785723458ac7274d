#pragma once
// nftables netlink dumps -> nf::Ruleset. Pure: the input is raw reply bytes
// as NetlinkSocket::request returns them, so tests decode recorded dumps.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "whyno/model/ruleset.hpp"

namespace whyno::netfilter {

struct NftDump {
  std::vector<std::byte> chains;  // NFT_MSG_GETCHAIN dump
  std::vector<std::byte> rules;   // NFT_MSG_GETRULE dump
  std::vector<std::byte> sets;    // NFT_MSG_GETSET dump
  /// NFT_MSG_GETSETELEM dumps, back to back, of every set looked_up_sets()
  /// names for `rules`.
  std::vector<std::byte> set_elements;
};

struct NftSetRef {
  std::uint32_t family = 0;  // NFPROTO_*
  std::string table;
  std::string name;
  friend bool operator==(const NftSetRef&, const NftSetRef&) = default;
};

/// The sets (named and anonymous) that some rule's `lookup` reads.
std::vector<NftSetRef> looked_up_sets(const std::vector<std::byte>& rules);

/// Chains and rules in dump order, which within a chain is evaluation order.
/// Messages that cannot be parsed become Ruleset::unread entries.
nf::Ruleset parse_nftables(const NftDump& dump);

/// NFPROTO_* -> Family.
nf::Family family_of(std::uint32_t nfproto);

}  // namespace whyno::netfilter
