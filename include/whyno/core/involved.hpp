#pragma once
// Which containers a query can involve, so only their network namespaces
// are read: on a host with hundreds of containers, a question about one
// port needs one or two of them.

#include <optional>
#include <set>
#include <string>

#include "whyno/core/engine_facts.hpp"
#include "whyno/core/netfilter.hpp"
#include "whyno/core/query.hpp"

namespace whyno {

/// The ids of the containers whose namespaces `query` can need: those that
/// publish its port (or were asked to), the --container, the --from client
/// and the container its target names or addresses, the containers a DNAT
/// rule for the port leads to, and the owners of namespaces these share.
/// nullopt means every container: --all (port 0), a client dialling its own
/// localhost (another container may serve the port), or nothing found, when
/// the diagnosis ranks every container as "the one you likely meant".
std::optional<std::set<std::string>> containers_involved(const Query& query, const Engine& engine,
                                                         const nf::Ruleset& rules);

}  // namespace whyno
