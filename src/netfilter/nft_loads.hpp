#pragma once
// nftables expressions that load a register (meta, payload, ct, fib, and
// the loads we do not model) and what the register then holds.

#include <cstdint>
#include <optional>
#include <string_view>

#include "nft_value.hpp"
#include "whyno/util/ip_address.hpp"
#include "whyno/model/ruleset.hpp"

struct nftnl_expr;

namespace whyno::netfilter::nft {

struct LoadContext {
  nf::Family family = nf::Family::ip;  // the table's
  std::optional<IpFamily> l3;          // set by an earlier `meta nfproto` match
};

struct Load {
  std::uint32_t dreg = 0;
  RegValue value;
  bool ethertype = false;  // meta protocol: compare as nfproto after mapping
};

/// The register `e` writes and what it holds. nullopt when `e` (named
/// `name`) does not load a register: a statement (meta set, ct set, payload
/// write) or not a load at all.
std::optional<Load> decode_load(const nftnl_expr* e, std::string_view name, const LoadContext& ctx);

}  // namespace whyno::netfilter::nft
