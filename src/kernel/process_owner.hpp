#pragma once
// Whether a process belongs to a user: a rootless engine's containers run in
// a user namespace that user created, so the namespace (or one of its
// ancestors below ours) is owned by that uid. A user's engine that names the
// PID of root's container, or PID 1, names a process in our own user
// namespace, and is not believed.

#include <string>

#include "whyno/util/result.hpp"

namespace whyno::kernel {

/// Ok when process `pid` runs in a user namespace `uid` owns, directly or
/// through its parents up to ours (NS_GET_OWNER_UID, NS_GET_PARENT on
/// `proc_root`/PID/ns/user). permission_denied, in one sentence, otherwise;
/// not_found when the process is gone.
Result<void> check_process_belongs_to(const std::string& proc_root, int pid, unsigned uid);

}  // namespace whyno::kernel
