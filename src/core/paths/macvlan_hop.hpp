#pragma once
// A container on a macvlan or ipvlan network: its interface hangs off a
// parent link of the host, beside the host's IP stack (private to core/).

#include <optional>

#include "walk.hpp"
#include "whyno/model/facts.hpp"
#include "whyno/model/query.hpp"

namespace whyno::detail {

/// The first hop to `c` at `address` on `network`: for a client on the
/// host, whether its packets can reach the child at all (never through the
/// parent; a macvlan of the host's own on the parent, a "shim", can); for
/// another machine, the parent's link carries its frames straight to the
/// child, past the host's stack and rules. Adds the hop; false when the
/// walk ends there (macvlan-host-isolated).
bool macvlan_hop(Walk& w, const Facts& f, const Query& q, const Container& c, const Network& network,
                 const IpAddress& address, bool remote_client);

}  // namespace whyno::detail
