#include "proc_files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>

#include "whyno/sys/fd.hpp"

namespace whyno::kernel::detail {

std::optional<int> parse_pid(std::string_view name) {
  int pid = 0;
  const auto* end = name.data() + name.size();
  const auto [ptr, ec] = std::from_chars(name.data(), end, pid);
  if (name.empty() || ec != std::errc() || ptr != end || pid <= 0) {
    return std::nullopt;
  }
  return pid;
}

DirPtr open_dir_at(int parent, const char* path) {
  const int fd = openat(parent, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return nullptr;
  }
  DirPtr dir(fdopendir(fd));
  if (!dir) {
    ::close(fd);
  }
  return dir;
}

/// Up to `limit` bytes of a small /proc file, or nullopt if it is gone.
std::optional<std::string> exe_path(int proc_fd, const std::string& dir) {
  std::array<char, 4096> buffer{};  // PATH_MAX: a longer target is cut, and refused
  const ssize_t n = ::readlinkat(proc_fd, (dir + "/exe").c_str(), buffer.data(), buffer.size());
  if (n <= 0 || static_cast<std::size_t>(n) == buffer.size()) {
    return std::nullopt;
  }
  return std::string(buffer.data(), static_cast<std::size_t>(n));
}

std::optional<std::string> read_small(int parent, const std::string& path, std::size_t limit) {
  sys::Fd fd(openat(parent, path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    return std::nullopt;
  }
  std::string text(limit, '\0');
  std::size_t used = 0;
  while (used < limit) {
    const ssize_t n = ::read(fd.get(), text.data() + used, limit - used);
    if (n < 0) {
      return std::nullopt;
    }
    if (n == 0) {
      break;
    }
    used += static_cast<std::size_t>(n);
  }
  text.resize(used);
  return text;
}

std::optional<std::string_view> status_field(std::string_view status, std::string_view key) {
  for (std::size_t at = 0; at < status.size();) {
    const std::size_t end = std::min(status.find('\n', at), status.size());
    std::string_view line = status.substr(at, end - at);
    at = end + 1;
    if (line.starts_with(key) && line.size() > key.size() && line[key.size()] == ':') {
      line.remove_prefix(key.size() + 1);
      while (!line.empty() && (line.front() == '\t' || line.front() == ' ')) {
        line.remove_prefix(1);
      }
      return line;
    }
  }
  return std::nullopt;
}

}  // namespace whyno::kernel::detail
