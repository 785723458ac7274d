#include "whyno/sys/netns.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include <fmt/format.h>

namespace whyno::sys {

Result<Fd> open_netns(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (!fd) {
    return std::unexpected(errno_error(errno, fmt::format("cannot open {}", path)));
  }
  // As CNI's IsNSorErr: only an nsfs file is a namespace (a rootless
  // engine's netns path seen from outside its mount namespace is an empty
  // regular file).
  struct statfs fs {};
  constexpr decltype(fs.f_type) k_nsfs_magic = 0x6e736673;
  if (::fstatfs(fd.get(), &fs) != 0 || fs.f_type != k_nsfs_magic) {
    return fail(Error::Kind::invalid, fmt::format("{} is not a network namespace (nsfs) file", path));
  }
  return fd;
}

Result<std::uint64_t> netns_inode(const Fd& netns) {
  struct stat st {};
  if (fstat(netns.get(), &st) != 0) {
    return std::unexpected(errno_error(errno, "cannot stat network namespace"));
  }
  return static_cast<std::uint64_t>(st.st_ino);
}

Result<std::uint64_t> netns_inode(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    return std::unexpected(errno_error(errno, fmt::format("cannot stat {}", path)));
  }
  return static_cast<std::uint64_t>(st.st_ino);
}

Result<void> run_in_netns(const Fd& netns, const std::function<void()>& work) {
  int setns_errno = 0;
  std::thread worker([&] {
    if (setns(netns.get(), CLONE_NEWNET) != 0) {
      setns_errno = errno;
      return;
    }
    work();
  });
  worker.join();
  if (setns_errno != 0) {
    return std::unexpected(errno_error(setns_errno, "cannot enter network namespace (setns)"));
  }
  return {};
}

}  // namespace whyno::sys
