#pragma once
// A port forwarder's child in a namespace of its own, found through /proc:
// rootlesskit holds rootless Docker's host ports, and its child made the
// network namespace dockerd runs in (rootlesskit's --state-dir/child_pid
// says the same, but the state dir moves between versions and flags).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "whyno/kernel/namespace_reader.hpp"

namespace whyno::kernel {

/// "1234 1240 " (/proc/PID/task/TID/children) -> {1234, 1240}.
std::vector<int> parse_children(std::string_view text);

/// The children of process `pid` over all its threads
/// (`proc_root`/PID/task/TID/children), in the order the kernel lists them.
std::vector<int> child_processes(const std::string& proc_root, int pid);

/// The real uid from /proc/PID/status's "Uid:" line.
std::optional<unsigned> parse_status_uid(std::string_view status);

/// Under `proc_root` (/proc, or a recorded copy): the first child of `pid`,
/// over all its threads, whose ns/net differs from `pid`'s.
std::optional<ForwarderChild> find_forwarder_child(const std::string& proc_root, int pid);

}  // namespace whyno::kernel
