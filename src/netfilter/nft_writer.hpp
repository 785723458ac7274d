#pragma once
// Who wrote one nftables rule: iptables-nft or nft (or a program using
// libnftables, as firewalld and Docker's nftables backend do), told from the
// rule's own expressions and user data rather than from its table's shape,
// so a rule a user added with `nft add rule ip filter DOCKER-USER ...` to a
// table iptables-nft made is shown as the nft rule it is.
//
// What iptables-nft 1.8.9 (Debian 12) really writes, dumped from a scratch
// namespace next to rules added with nft 1.0.6 (tests/fixtures/netfilter/
// iptables_nft_mixed):
// - a `match`/`target` expression (xt compat) for every extension it has no
//   native translation for (-m comment, addrtype, conntrack, -j DNAT, LOG,
//   MASQUERADE ...); nft cannot write these at all;
// - one `counter` in every rule, right before the verdict (or last when the
//   rule has no -j): iptables counts every rule. A rule without a counter,
//   with two, or with a counter followed by anything but the verdict is nft's;
// - an exact interface name (-i eth0) compared over strlen+1 bytes ("eth0\0");
//   nft compares the whole IFNAMSIZ (16 bytes, NUL-padded). A wildcard
//   (`eth+`, nft's `"eth*"`) is the bare prefix in both;
// - no user data: `-m comment` stays an xt match, where nft's `comment "..."`
//   is a NFTNL_UDATA_RULE_COMMENT TLV in the rule's user data. iptables 1.8.12
//   and later, run with --compat, add a UDATA_TYPE_COMPAT_EXT (2) TLV holding
//   the extensions it translated: only iptables writes that type.
// - NFTA_RULE_COMPAT (the -p protocol iptables-nft sends with xt matches) is
//   read by the kernel when the rule is added and never dumped back;
// - simple matches (-p tcp --dport, -s, -d, ! -i) are translated into the same
//   meta/payload/cmp expressions nft writes, byte for byte: `-p tcp --dport
//   3000 -j DROP` and `tcp dport 3000 counter drop` cannot be told apart.
//   Such a rule is Writer::unknown, and the core falls back to its table's
//   shape (core/rule_syntax.hpp).

#include <cstddef>
#include <cstdint>
#include <span>

#include <linux/netfilter/nf_tables.h>

#include "whyno/model/ruleset.hpp"

struct nftnl_expr;
struct nftnl_rule;

namespace whyno::netfilter::nft {

/// What one rule's bytes say about its writer; gathered by writer_signals().
struct WriterSignals {
  bool xt = false;                // a `match` or `target` expression
  bool compat_userdata = false;   // a UDATA_TYPE_COMPAT_EXT TLV
  bool comment_userdata = false;  // a NFTNL_UDATA_RULE_COMMENT TLV
  bool set_lookup = false;        // `lookup`/`dynset`: nft's anonymous and named sets
  std::size_t counters = 0;
  bool counter_before_verdict = false;  // the only counter is last, or right before the verdict
  bool short_interface = false;         // an exact name compared over strlen+1 bytes (< IFNAMSIZ)
  bool padded_interface = false;        // a name shorter than 15 compared over IFNAMSIZ bytes
};

/// The TLV types in a rule's user data ({u8 type, u8 len, value[len]}).
void note_userdata(std::span<const std::uint8_t> userdata, WriterSignals& out);

/// Every signal of one rule's expressions, shown in order (the decoder's
/// own walk over them: a second iteration cost 5% of a large read), and of
/// its user data.
class WriterWatch {
 public:
  void see(const nftnl_expr* e);
  WriterSignals finish(const nftnl_rule* rule);

 private:
  WriterSignals m_out;
  // Where the expression before loaded iifname/oifname; the verdict register
  // (no meta load ever writes it) when it loaded something else.
  std::uint32_t m_interface_register = NFT_REG_VERDICT;
  bool m_after_counter = false;  // the expression before this one was the counter
  bool m_counter_misplaced = false;
};

/// The writer those signals prove: iptables when only iptables-nft writes
/// one of them, nft when iptables-nft never would, unknown otherwise.
nf::Writer writer_from(const WriterSignals& signals);

}  // namespace whyno::netfilter::nft
