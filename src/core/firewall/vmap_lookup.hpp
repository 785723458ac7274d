#pragma once
// A verdict map lookup, as the kernel does it: the packet's key (one field,
// or a concatenation such as kube-proxy's `ip daddr . meta l4proto . th
// dport`) against the map's entries.

#include <optional>

#include "packet_walk.hpp"
#include "whyno/model/ruleset.hpp"

namespace whyno::nf {

/// The entry of `map` (an ActionKind::vmap action) that `packet`'s key
/// finds; nullptr when none does. nullopt when the key holds a field whose
/// value is not known (an unknown source port, an interface not yet chosen).
/// `numgen random mod N vmap` finds the entry `random` picks, in key order:
/// one of N random branches.
std::optional<const VmapEntry*> vmap_lookup(const Action& map, const Packet& packet, RandomChoice& random);

}  // namespace whyno::nf
