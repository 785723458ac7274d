#pragma once
// Which sockets' holders a query needs named, and where to look for them
// first (kernel::OwnerSearch): on a busy host, reading every process's fds
// would cost more than the rest of the question.

#include <vector>

#include "whyno/model/facts.hpp"
#include "whyno/model/query.hpp"
#include "whyno/kernel/socket_owners.hpp"

namespace whyno::gather {

/// The host's listeners whose holders the diagnosis names: those on the
/// query's port, whatever their address and protocol (the publisher, a
/// process in the way, a rootless forwarder), or every one for --all. The
/// running containers of `listed` that publish the port give the pids their
/// docker-proxies are looked for near.
kernel::OwnerSearch host_port_search(const Query& query, const NetnsFacts& host, const Engine& listed);

/// The sockets of the containers' namespaces read (Facts::container_netns),
/// looked for first in the processes of the containers in them; and, for an
/// involved container on the host's network, its own sockets among the
/// host's, looked for in its processes alone. Docker's embedded DNS
/// (127.0.0.11, held by dockerd from outside the container) is named only
/// if a container's process holds it.
kernel::OwnerSearch container_search(const Facts& facts,
                                     const std::vector<const Container*>& on_host_network);

/// Rootless Docker's namespace behind rootlesskit: every socket, looked for
/// first in rootlesskit's child and its descendants (dockerd, docker-proxy).
kernel::OwnerSearch forwarder_search(const ForwarderNamespace& ns);

}  // namespace whyno::gather
