#include "process_owner.hpp"

#include <fcntl.h>
#include <linux/nsfs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "whyno/sys/fd.hpp"

namespace whyno::kernel {

namespace {

// User namespaces nest at most 32 deep (the kernel's own limit).
constexpr int k_max_user_namespace_depth = 33;

}  // namespace

Result<void> check_process_belongs_to(const std::string& proc_root, int pid, unsigned uid) {
  const std::string path = fmt::format("{}/{}/ns/user", proc_root, pid);
  sys::Fd userns(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!userns) {
    return std::unexpected(errno_error(errno, fmt::format("cannot open {}", path)));
  }
  struct stat ours {};
  if (::stat("/proc/self/ns/user", &ours) != 0) {
    return std::unexpected(errno_error(errno, "cannot stat /proc/self/ns/user"));
  }
  for (int depth = 0; depth < k_max_user_namespace_depth; ++depth) {
    struct stat st {};
    if (::fstat(userns.get(), &st) != 0) {
      return std::unexpected(errno_error(errno, fmt::format("cannot stat {}", path)));
    }
    if (st.st_dev == ours.st_dev && st.st_ino == ours.st_ino) {
      break;  // ours: nobody's but the system's
    }
    uid_t owner = 0;
    if (::ioctl(userns.get(), NS_GET_OWNER_UID, &owner) == 0 && static_cast<unsigned>(owner) == uid) {
      return {};
    }
    sys::Fd parent(::ioctl(userns.get(), NS_GET_PARENT));
    if (!parent) {
      break;  // above us (EPERM), or the initial namespace
    }
    userns = std::move(parent);
  }
  return fail(Error::Kind::permission_denied,
              fmt::format("process {} runs in no user namespace of uid {}", pid, uid));
}

}  // namespace whyno::kernel
