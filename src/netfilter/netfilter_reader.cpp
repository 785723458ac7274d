#include "whyno/netfilter/netfilter_reader.hpp"

#include <fmt/format.h>

#include "nft_decode.hpp"
#include "nft_fetch.hpp"
#include "xt_legacy_decode.hpp"
#include "xt_legacy_fetch.hpp"

namespace whyno::netfilter {

Result<nf::Ruleset> read_netfilter() {
  auto read = read_nftables();
  if (!read) {
    Error error = read.error();
    if (error.kind == Error::Kind::permission_denied) {
      error.message = fmt::format("cannot read nftables rules: {} (needs CAP_NET_ADMIN)", error.message);
    } else {
      error.message = fmt::format("cannot read nftables rules: {}", error.message);
    }
    return std::unexpected(std::move(error));
  }
  nf::Ruleset ruleset = std::move(*read);
  LegacyDump legacy = fetch_legacy_tables();
  for (const LegacyTableDump& table : legacy.tables) {
    parse_legacy_table(table, ruleset);
  }
  for (Unread& u : legacy.unread) {
    ruleset.unread.push_back(std::move(u));
  }
  return ruleset;
}

}  // namespace whyno::netfilter
