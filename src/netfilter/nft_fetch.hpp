#pragma once
// Reads the nftables ruleset of the calling thread's network namespace as
// raw netlink replies (see nft_decode.hpp for the decoding).

#include "nft_decode.hpp"
#include "whyno/util/result.hpp"

namespace whyno::netfilter {

/// Dumps chains, rules, sets and the elements of every looked-up set, and
/// retries while the ruleset generation changes under us. EPERM (no
/// CAP_NET_ADMIN) -> Error::Kind::permission_denied.
Result<NftDump> fetch_nftables();

/// The same ruleset decoded: the rule dump decoded while the kernel writes
/// it (RuleStream), then the sets its lookups read. What read_netfilter()
/// uses; fetch_nftables() keeps the bytes, for recordings.
Result<nf::Ruleset> read_nftables();

}  // namespace whyno::netfilter
