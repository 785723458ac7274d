#pragma once
// --explain: a hook's walk (nf::HookOutcome::steps) as Diagnosis::trace, in
// the words and rule syntax the output shows.

#include "whyno/model/diagnosis.hpp"
#include "whyno/model/facts.hpp"
#include "packet_walk.hpp"

namespace whyno::detail {

/// Appends the walk of `packet` through `hook` (walked with
/// WalkOptions::record_steps) to `d.trace`: a "hook" step naming the packet,
/// then every chain, rule, jump, return, DNAT and re-route, the verdict of
/// each base chain, and the hook's "verdict". `flow` says whose packet it is.
void record_trace(Diagnosis& d, const Facts& facts, nf::Hook hook, const nf::Packet& packet,
                  const nf::HookOutcome& out, const std::string& flow);

}  // namespace whyno::detail
