// netfilter::parse_nftables (libnftnl's message parsers, then our rule,
// expression, set and verdict-map decoding) and netfilter::looked_up_sets on
// an NftDump, then a packet walk over the decoded ruleset (fuzz_walk.hpp).
// Input: CHAINS <sep> RULES <sep> SETS <sep> SET_ELEMENTS (fuzz_input.hpp),
// each the raw NFT_MSG_GET* dump bytes.
// Seeds: tests/fixtures/netfilter/*/nft_{chains,rules,sets,setelems}.bin.

#include <cstddef>
#include <cstdint>

#include "fuzz_input.hpp"
#include "fuzz_walk.hpp"
#include "netfilter/nft_decode.hpp"

using namespace whyno;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto parts = fuzz::sections(fuzz::text(data, size), 4);
  netfilter::NftDump dump{std::move(parts[0]), std::move(parts[1]), std::move(parts[2]), std::move(parts[3])};
  for (const netfilter::NftSetRef& ref : netfilter::looked_up_sets(dump.rules)) {
    (void)netfilter::family_of(ref.family);
  }
  const nf::Ruleset rules = netfilter::parse_nftables(dump);
  for (const nf::Rule& r : rules.rules) {
    WHYNO_FUZZ_CHECK(r.backend == nf::Backend::nftables);
  }
  fuzz::walk_every_hook(rules);
  return 0;
}
