#pragma once
// Doing work inside another network namespace.
//
// setns(2) switches only the calling thread, and sockets stay in the
// namespace they were created in. So the work runs on a thread of its own
// that joins the namespace, does the work, and ends: a switched thread never
// returns to do anything else.

#include <cstdint>
#include <functional>
#include <string>

#include "whyno/util/result.hpp"
#include "whyno/sys/fd.hpp"

namespace whyno::sys {

/// Opens an nsfs handle such as /proc/<pid>/ns/net (O_RDONLY | O_CLOEXEC).
Result<Fd> open_netns(const std::string& path);

/// The inode of a namespace handle: equal inodes, same namespace.
Result<std::uint64_t> netns_inode(const Fd& netns);
Result<std::uint64_t> netns_inode(const std::string& path);

/// Runs `work` on a new thread joined to `netns`, and waits for it.
/// Fails without running `work` if setns(2) fails.
Result<void> run_in_netns(const Fd& netns, const std::function<void()>& work);

}  // namespace whyno::sys
