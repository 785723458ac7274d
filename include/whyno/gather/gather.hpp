#pragma once
// Gathers every fact a diagnosis needs, in as few kernel round trips as it
// can: one engine conversation, a handful of netlink dumps per namespace,
// one scan of /proc. Work that does not depend on the engine runs while the
// engine answers.

#include "whyno/kernel/socket_owners.hpp"
#include "whyno/core/facts.hpp"
#include "whyno/core/query.hpp"

namespace whyno::gather {

/// The host namespace's own facts, which need nothing from the engine.
struct HostKernelFacts {
  NetnsFacts netns;
  nf::Ruleset ruleset;
  Sysctls sysctls;
  std::vector<Unread> unread;
};

/// Reads the calling thread's namespace (any thread of the host's).
HostKernelFacts read_host_kernel();

/// Completes `facts`, whose engine facts are read: every running
/// container's namespace (in parallel, a thread per namespace), socket
/// owners from `holders`, and the query's address if it is a name.
void gather_kernel_facts(const Query& query, Facts& facts, HostKernelFacts host,
                         const kernel::SocketHolders& holders);

}  // namespace whyno::gather
