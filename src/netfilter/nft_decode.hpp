#pragma once
// nftables netlink dumps -> nf::Ruleset. Pure: the input is raw reply bytes
// as NetlinkSocket::request returns them, so tests decode recorded dumps.

#include <cstddef>
#include <cstdint>
#include <memory>
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

/// A rule dump decoded as it arrives, batch by batch (one datagram each),
/// on two threads of its own: a rule that looks up no set needs nothing
/// more, one that does waits for the sets (finish). The same decoding as
/// parse_nftables, which it equals for the same bytes (unit-tested); on
/// two cores 10,000 rules are decoded while the kernel still writes them.
class RuleStream {
 public:
  RuleStream();
  ~RuleStream();
  RuleStream(const RuleStream&) = delete;
  RuleStream& operator=(const RuleStream&) = delete;

  /// The next batch of rule messages of `source` (a table's dump: batches
  /// of several dumps may arrive interleaved, each dump's in order). The
  /// rules come out by source, then in the order their batches came.
  void add(std::vector<std::byte> batch, std::size_t source = 0);

  /// Once every batch is added: the sets the rules look up (waits for the
  /// batches to be decoded).
  std::vector<NftSetRef> looked_up();

  /// The chains and rules of `dump` (whose `rules` is empty: they came
  /// here) in dump order, the rules that look up sets decoded now.
  nf::Ruleset finish(const NftDump& dump);

 private:
  struct State;
  std::unique_ptr<State> m_state;
};

/// NFPROTO_* -> Family.
nf::Family family_of(std::uint32_t nfproto);

}  // namespace whyno::netfilter
