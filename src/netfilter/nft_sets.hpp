#pragma once
// nftables sets and maps as the rule decoder needs them: the elements of
// every set a rule looks up, and how a lookup becomes a Match or a verdict
// map Action.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "nft_value.hpp"
#include "whyno/model/ruleset.hpp"

namespace whyno::netfilter::nft {

struct SetElement {
  Bytes key;
  Bytes key_end;             // pipapo sets: the inclusive end of the interval
  std::uint32_t flags = 0;   // NFT_SET_ELEM_INTERVAL_END, NFT_SET_ELEM_CATCHALL
  bool has_verdict = false;  // verdict maps
  std::int32_t verdict = 0;  // NF_ACCEPT, NFT_JUMP, ...
  std::string chain;         // jump/goto target
  std::string comment;       // kube-proxy names the Service: "ns6/svc6:p80"
};

struct SetInfo {
  std::uint32_t family = 0;  // NFPROTO_*
  std::string table;
  std::string name;
  std::uint32_t flags = 0;  // NFT_SET_*
  std::uint32_t key_len = 0;
  std::uint32_t data_type = 0;
  std::vector<SetElement> elements;  // empty unless a rule looks the set up
};

using SetKey = std::tuple<std::uint32_t, std::string, std::string>;  // family, table, name
using SetIndex = std::map<SetKey, SetInfo>;

/// Parses NFT_MSG_GETSET and NFT_MSG_GETSETELEM replies (back to back).
/// Problems (a message libnftnl cannot parse) are appended to `problems`.
SetIndex parse_sets(const std::vector<std::byte>& sets, const std::vector<std::byte>& elements,
                    std::vector<std::string>& problems);

/// NFT_* / NF_* verdict codes as an action kind; nullopt for codes that
/// never appear in a ruleset we can model (NF_STOLEN...).
std::optional<nf::ActionKind> verdict_kind(std::int32_t verdict);

/// `key` looked up in `set` (negated: `!= @set`) as a Match; a
/// Field::unknown match when the set or its key cannot be modelled.
nf::Match set_match(const RegValue& key, const SetInfo* set, const std::string& set_name, bool negated);

/// A verdict map lookup (`oifname vmap @m`) as an Action; ActionKind::unknown
/// when the map cannot be represented as VmapEntry keys. `key` holds one
/// register value, or each field of a concatenation (`ip daddr . meta
/// l4proto . th dport vmap @m`) in register order.
nf::Action vmap_action(const std::vector<RegValue>& key, const SetInfo* set, const std::string& set_name);

/// The bytes a field takes in a concatenated key: the kernel starts each
/// field on a register boundary (NFT_REG32_SIZE).
std::uint32_t concat_field_len(std::uint32_t len);

}  // namespace whyno::netfilter::nft
