#pragma once
// Gathers every fact a diagnosis needs, in as few kernel round trips as it
// can: one engine conversation, a handful of netlink dumps per namespace,
// one scan of /proc.

#include "whyno/core/facts.hpp"
#include "whyno/core/query.hpp"

namespace whyno::collect {

/// Reads the kernel's side (host namespace, every running container's
/// namespace, netfilter rules, sysctls, socket owners) into `facts`, whose
/// engine facts are already read. Failures become Unread entries.
void gather_kernel_facts(const Query& query, Facts& facts);

}  // namespace whyno::collect
