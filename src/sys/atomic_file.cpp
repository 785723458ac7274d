#include "whyno/sys/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <vector>

#include <fmt/format.h>

#include "whyno/sys/fd.hpp"
#include "whyno/util/printable.hpp"

namespace whyno::sys {

namespace {

/// What is at `path` now may be replaced: nothing, or a regular file of ours.
Result<void> check_replaceable(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      return {};
    }
    return std::unexpected(errno_error(errno, fmt::format("cannot write {}", shown_path(path))));
  }
  if (S_ISLNK(st.st_mode)) {
    return fail(Error::Kind::invalid,
                fmt::format("{} is a symbolic link, and whyno-port does not write through one; give a "
                            "path where nothing is yet",
                            shown_path(path)));
  }
  if (!S_ISREG(st.st_mode)) {
    return fail(Error::Kind::invalid, fmt::format("{} exists and is not a regular file", shown_path(path)));
  }
  if (st.st_uid != ::geteuid()) {
    return fail(Error::Kind::permission_denied,
                fmt::format("{} belongs to uid {}, and whyno-port does not replace another user's file",
                            shown_path(path), st.st_uid));
  }
  return {};
}

}  // namespace

Result<void> write_file_atomically(const std::string& path, std::string_view text, mode_t mode) {
  if (path.empty()) {
    return fail(Error::Kind::invalid, "no file name given");
  }
  WHYNO_TRY(check_replaceable(path));
  const auto slash = path.rfind('/');
  const std::string dir =
      slash == std::string::npos ? std::string(".") : path.substr(0, std::max<std::size_t>(slash, 1));
  const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
  std::string temp = fmt::format("{}/.{}.XXXXXX", dir, base);
  std::vector<char> name(temp.begin(), temp.end());
  name.push_back('\0');
  Fd fd(::mkostemp(name.data(), O_CLOEXEC));  // O_CREAT|O_EXCL, mode 0600
  if (!fd) {
    return std::unexpected(errno_error(errno, fmt::format("cannot write {}", shown_path(path))));
  }
  temp.assign(name.data());
  const auto abandon = [&](int error_number) {
    ::unlink(temp.c_str());
    return std::unexpected(errno_error(error_number, fmt::format("cannot write {}", shown_path(path))));
  };
  if (::fchmod(fd.get(), mode) != 0) {
    return abandon(errno);
  }
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return abandon(errno);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd.release()) != 0) {
    return abandon(errno);
  }
  // Checked again just before: the window left is the rename itself, which
  // replaces whatever is at `path` (a symlink too) and follows nothing.
  if (auto still = check_replaceable(path); !still) {
    ::unlink(temp.c_str());
    return still;
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    return abandon(errno);
  }
  return {};
}

}  // namespace whyno::sys
