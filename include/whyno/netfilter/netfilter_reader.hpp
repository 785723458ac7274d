#pragma once
// Reads every netfilter rule of a network namespace, nftables and
// iptables-legacy alike, into the backend-neutral nf::Ruleset.

#include "whyno/model/ruleset.hpp"
#include "whyno/util/result.hpp"

namespace whyno::netfilter {

/// Reads every nftables table and every iptables-legacy table of the calling thread's network namespace.
/// Partial failures (one legacy table unreadable, an expression we can't parse) go into Ruleset::unread; only
/// a failure to read nftables at all (e.g. EPERM without CAP_NET_ADMIN) is an Error (Kind::permission_denied
/// then).
Result<nf::Ruleset> read_netfilter();

}  // namespace whyno::netfilter
