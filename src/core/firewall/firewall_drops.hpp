#pragma once
// What a drop means, said for the one who wrote the rule: Docker's own
// drops (direct access, unpublished ports, ICC, internal networks) are by
// design and have their own fix; ufw's, firewalld's and the user's are
// theirs to change.

#include <string>

#include "packet_walk.hpp"
#include "whyno/model/diagnosis.hpp"
#include "whyno/model/facts.hpp"

namespace whyno::detail {

/// The problem for `rule` dropping (or rejecting) `packet` at `hook`;
/// `flow` describes the traffic, e.g. "tcp from 203.0.113.2 to 192.0.2.2:80".
Problem drop_problem(const nf::Rule& rule, const Facts& facts, nf::Hook hook, const nf::Packet& packet,
                     const std::string& flow);

/// The problem for a base chain's drop policy, naming the other tables'
/// base chains that accepted the packet first (their accept is not final).
Problem policy_drop_problem(const nf::Chain& chain, const nf::HookOutcome& out, const Facts& facts,
                            nf::Hook hook, const std::string& flow);

/// "PREROUTING", "FORWARD", ...
std::string hook_name(nf::Hook hook);

}  // namespace whyno::detail
