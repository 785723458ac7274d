#pragma once
// Decoders for x_tables match and target payloads. One decoder serves both
// iptables-nft's compat expressions (`match`/`target` with NFTNL_EXPR_*_INFO)
// and iptables-legacy entries (the bytes after xt_entry_match/target's
// header): the payload struct is the same in both.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "whyno/model/ruleset.hpp"

namespace whyno::netfilter {

struct XtMatchResult {
  std::vector<nf::Match> matches;  // empty for matches that only annotate
  std::string comment;             // `-m comment`
};

/// Decodes one xt match. `family` (ip or ip6) picks the address layout.
/// Anything not modelled becomes a Field::unknown match naming it.
XtMatchResult decode_xt_match(std::string_view name, std::uint32_t revision,
                              std::span<const std::uint8_t> info, nf::Family family);

/// Decodes one xt target (not the legacy standard/ERROR targets).
/// Targets that never end a rule's evaluation (LOG, MARK...) give
/// ActionKind::next; unknown ones ActionKind::unknown.
nf::Action decode_xt_target(std::string_view name, std::uint32_t revision, std::span<const std::uint8_t> info,
                            nf::Family family);

/// The marks an xt target sets: MARK (rev 2: --set-xmark, --or-mark ...)
/// and CONNMARK (--set-xmark, --save-mark, --restore-mark); none for
/// other targets, or layouts not modelled.
std::vector<nf::MarkSet> decode_xt_target_marks(std::string_view name, std::uint32_t revision,
                                                std::span<const std::uint8_t> info);

/// ct state bits as nf::Match::mask uses them, from xt_conntrack's
/// state_mask or xt_state's statemask (`-m state`); conntrack's SNAT/DNAT
/// pseudo states become nf::k_ct_state_snat / nf::k_ct_state_dnat.
std::uint32_t ct_state_from_xt(std::uint32_t xt_mask, bool conntrack);

}  // namespace whyno::netfilter
