#pragma once
// Rootless Docker's namespaces: rootlesskit holds the host ports and dials
// 127.0.0.1:PORT in its child's namespace, where dockerd, docker-proxy and
// Docker's rules live. They are read like the host's own
// (Facts::forwarder_namespaces), after the host's socket owners are known.

#include "whyno/model/facts.hpp"
#include "whyno/model/query.hpp"
#include "whyno/gather/gather.hpp"

namespace whyno::gather {

/// Reads the namespace behind every rootlesskit that holds a host port the
/// query uses (every port for --all), once per rootlesskit.
void read_forwarder_namespaces(const Query& query, const ReadPlan& plan, const Sources& sources,
                               Facts& facts);

}  // namespace whyno::gather
