#pragma once
// Which processes are port forwarders worth looking in for a search's
// sockets, and where among a busy host's processes the port's docker-proxy
// is (round 2 of kernel::find_socket_owners).

#include <functional>
#include <optional>
#include <vector>

#include "whyno/kernel/socket_owners.hpp"

namespace whyno::kernel::detail {

/// Whether process `pid` is a port forwarder worth looking in for `search`.
/// Its program's name rules most processes out in one system call, where
/// comm costs three: a host with 300 containers runs 1,300 processes.
bool is_forwarder_for(int proc_fd, int pid, const OwnerSearch& search);

/// Whether a child of dockerd is the docker-proxy of one of `search`'s
/// ports, from its command line alone (dockerd's children run what dockerd
/// started); nullopt for any other child, told the usual way.
std::optional<bool> dockerd_child_forwards(int proc_fd, int pid, const OwnerSearch& search);

/// `pids` ordered by their distance to the nearest of `near` (kept as they
/// are when `near` is empty).
void nearest_first(std::vector<int>& pids, const std::vector<int>& near);

/// Calls `visit(pid)` for the processes dockerd started among the pids just
/// below each of `near`, nearest first, until it returns false.
void for_each_dockerd_child_near(int proc_fd, int dockerd, const std::vector<int>& near,
                                 const std::function<bool(int)>& visit);

}  // namespace whyno::kernel::detail
