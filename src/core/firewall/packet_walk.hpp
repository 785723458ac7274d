#pragma once
// Walks a packet through the netfilter rules of one hook, the way the kernel
// does: every base chain registered on the hook, nftables and iptables-legacy
// alike, in priority order. A drop anywhere is final; an accept ends only its
// own base chain. The first DNAT at a nat hook wins.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "whyno/util/ip_address.hpp"
#include "whyno/model/ruleset.hpp"

namespace whyno::nf {

/// RTN_* route types, for `fib daddr type` / `-m addrtype`.
constexpr std::uint32_t k_rtn_unicast = 1;
constexpr std::uint32_t k_rtn_local = 2;
constexpr std::uint32_t k_ct_state_new = 8;
/// TCP's flags byte: the first packet of a connection is a SYN.
constexpr std::uint8_t k_tcp_syn = 0x02;

struct Packet {
  IpAddress source;
  IpAddress destination;
  std::uint8_t l4proto = 6;
  std::uint16_t source_port = 0;  // 0: unknown (an ephemeral port)
  std::uint16_t destination_port = 0;
  /// "" when the hook has no input device (output); nullopt when unknown.
  std::optional<std::string> input_interface;
  /// nullopt when not known; walk_hook reads it as "" at the hooks that have
  /// no output device (prerouting, input), as the kernel's oifname does.
  std::optional<std::string> output_interface;
  std::uint32_t source_type = k_rtn_unicast;       // RTN_* of the source address
  std::uint32_t destination_type = k_rtn_unicast;  // RTN_LOCAL for host addresses
  std::uint32_t ct_state = k_ct_state_new;
  /// The connection's IPS_* status bits as far as we model them: walk_hook
  /// sets k_ct_status_dnat when a DNAT (or redirect) applies, so the hooks
  /// after it see `ct status dnat` / `--ctstate DNAT` match.
  std::uint32_t ct_status = 0;
  std::uint32_t mark = 0;
  std::uint32_t ct_mark = 0;  // the connection's mark; rules that set it come first
  /// TCP: the flags of the packet walked. A new connection's first packet,
  /// the one every question here is about, is a SYN.
  std::uint8_t tcp_flags = k_tcp_syn;
  /// Whether a route back to the source leaves by the input interface
  /// (reverse-path filters: firewalld's rpfilter); nullopt when not known.
  std::optional<bool> reverse_path_valid;
};

enum class Tri : std::uint8_t { no, yes, maybe };

struct NatDecision {
  ActionKind kind = ActionKind::dnat;  // dnat or redirect
  std::optional<IpAddress> address;    // nullopt: redirect to the host itself
  std::uint16_t port = 0;              // 0: port unchanged
  const Rule* rule = nullptr;
};

/// One step of a walk, recorded when WalkOptions::record_steps is set: what
/// `nft monitor trace` would print, computed from the rules.
struct WalkStep {
  enum class Kind : std::uint8_t {
    chain,    // a base chain starts: `base`
    rule,     // a rule evaluated: `rule`, `matched`, `failed`
    jump,     // `rule` jumps to `chain`
    goto_,    // `rule` goes to `chain`
    return_,  // back from `chain`: by `rule` (a return), or at its end (rule == nullptr)
    nat,      // `rule` changes the destination to `note`
    reroute,  // after the DNAT the packet leaves by `note`
    verdict,  // `base` ends: note is accept, drop, reject, dnat, "policy accept", "policy drop"
  };
  Kind kind = Kind::rule;
  std::size_t depth = 0;        // 0 in the base chain, 1 in a chain it jumps to, ...
  const Chain* base = nullptr;  // chain, verdict
  const Rule* rule = nullptr;
  Tri matched = Tri::yes;         // rule
  const Match* failed = nullptr;  // rule, not matched: the first condition that fails
  bool skipped = false;           // rule: WalkOptions::skip walked past it
  std::string chain;              // jump, goto_, return_
  std::string note;
};

/// Random branches (`-m statistic --mode random`, `numgen random mod N
/// vmap`): which one a walk takes. kube-proxy spreads a Service over its
/// endpoints so; walk_every_branch takes each in turn.
struct RandomChoice {
  std::size_t skip = 0;  // branches still to pass over before one is taken
  bool more = false;     // a branch after the one taken exists
  /// A statistic rule's random match: does it hold on this walk?
  bool holds() {
    if (skip > 0) {
      --skip;
      return false;
    }
    more = true;  // the rules after it are the other branches
    return true;
  }
  /// One of `n` alternatives (a numgen map's entries, in key order).
  std::size_t pick(std::size_t n) {
    const std::size_t index = n == 0 ? 0 : std::min(skip, n - 1);
    skip -= index;
    more = more || index + 1 < n;
    return index;
  }
};

struct HookOutcome {
  enum class Kind { accepted, dropped, rejected };
  Kind kind = Kind::accepted;
  const Rule* rule = nullptr;           // the rule that dropped or rejected
  const Chain* policy_chain = nullptr;  // set when a base chain's policy dropped
  std::optional<NatDecision> nat;       // nat hooks: the DNAT that applied
  /// Rules whose matches we could not evaluate (unknown expressions) and that
  /// might have changed the outcome had they matched.
  std::vector<const Rule*> uncertain;
  /// One of `uncertain` could have dropped, rejected, diverted or re-routed
  /// the packet had it matched: the outcome is not certain.
  bool outcome_uncertain = false;
  /// Every rule that matched on the way, in order: the packet's trace.
  std::vector<const Rule*> trace;
  /// With WalkOptions::record_steps: every step, in order.
  std::vector<WalkStep> steps;
  /// The packet as it leaves the hook: after DNAT, later chains (and the
  /// caller) see the new destination.
  Packet packet;
  /// A random branch was taken and others exist (WalkOptions::random_branch + 1).
  bool more_random_branches = false;
};

struct WalkOptions {
  /// Consider only base chains of this type (e.g. nat to find DNAT alone).
  std::optional<ChainType> only_type;
  /// The output hook routes again after DNAT: the new output interface for
  /// a destination. Without it the interface is left as it was.
  std::function<std::optional<std::string>(const IpAddress&)> reroute;
  /// Rules to walk past as if they did not match (a "what if" walk: what
  /// would the rules after Docker's have done).
  std::function<bool(const Rule&)> skip;
  /// Record HookOutcome::steps (for --explain).
  bool record_steps = false;
  /// Which random branch to take: 0 the first each time, k passes over k
  /// (RandomChoice). One choice point per walk (kube-proxy's Service
  /// chains) is enumerated exactly; nested ones are sampled, not multiplied.
  std::size_t random_branch = 0;
};

/// Walks `packet` through every base chain on `hook`, in priority order.
HookOutcome walk_hook(const Ruleset& rules, Hook hook, const Packet& packet, const WalkOptions& options = {});

/// walk_hook for every random branch in turn (each of a Service's
/// endpoints), at most `limit` of them, in the order the rules list them.
std::vector<HookOutcome> walk_every_branch(const Ruleset& rules, Hook hook, const Packet& packet,
                                           WalkOptions options = {}, std::size_t limit = 256);

/// Does `match` hold for `packet`? Exposed for tests.
Tri evaluate(const Match& match, const Packet& packet);

}  // namespace whyno::nf
