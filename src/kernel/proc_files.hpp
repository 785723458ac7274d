#pragma once
// Small reads of /proc shared by the socket-holder search and the
// port-forwarder search: a process's files, read with bounds, relative to
// an open /proc.

#include <dirent.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace whyno::kernel::detail {

struct DirClose {
  void operator()(DIR* d) const noexcept { closedir(d); }
};
using DirPtr = std::unique_ptr<DIR, DirClose>;

/// A pid ("1234"), nullopt for anything else.
std::optional<int> parse_pid(std::string_view name);

/// The directory `path` under the directory fd `parent`, or null.
DirPtr open_dir_at(int parent, const char* path);

/// The path of the program the process runs (/proc/PID/exe, `dir` its pid
/// under the open /proc `proc_fd`), from one readlink(2); nullopt when it
/// cannot be read (a kernel thread, a process not ours to read, one gone).
std::optional<std::string> exe_path(int proc_fd, const std::string& dir);

/// Up to `limit` bytes of a small /proc file, or nullopt if it is gone.
std::optional<std::string> read_small(int parent, const std::string& path, std::size_t limit);

/// The value of the "KEY:" line of /proc/PID/status text, blanks after the
/// colon skipped ("Uid:\t1000\t1000..." -> "1000\t1000..."), else nullopt.
std::optional<std::string_view> status_field(std::string_view status, std::string_view key);

}  // namespace whyno::kernel::detail
