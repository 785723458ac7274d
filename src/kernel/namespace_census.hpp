#pragma once
// Every network namespace on this host, for a packet that leads to an
// address no engine's container holds (private to kernel/).

#include <string>
#include <vector>

#include "whyno/kernel/namespace_reader.hpp"

namespace whyno::kernel {

/// The named ones (/run/netns, /var/run/netns) first, then one process of
/// each other namespace in /proc, every inode once and the caller's own
/// (the host's) left out; root's before users'. Pods are named from the
/// kubelet's log directories under `pod_logs` (/var/log/pods).
std::vector<NamespaceCandidate> list_network_namespaces(const std::string& proc_root,
                                                        const std::vector<std::string>& named_dirs,
                                                        const std::string& pod_logs = "/var/log/pods");

}  // namespace whyno::kernel
