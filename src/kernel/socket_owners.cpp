#include "whyno/kernel/socket_owners.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <array>
#include <charconv>
#include <map>
#include <memory>
#include <thread>
#include <vector>

#include "whyno/sys/fd.hpp"

namespace whyno::kernel {

namespace {

struct DirClose {
  void operator()(DIR* d) const noexcept { closedir(d); }
};
using DirPtr = std::unique_ptr<DIR, DirClose>;

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

/// The wanted socket inodes among one process's fds (every socket when
/// `wanted` is null).
void scan_fds(int proc_fd, int pid, const std::unordered_set<std::uint64_t>* wanted,
              SocketHolders& holders) {
  const std::string fd_path = std::to_string(pid) + "/fd";
  const DirPtr fds = open_dir_at(proc_fd, fd_path.c_str());
  if (!fds) {
    return;  // gone, or a process we may not look into
  }
  const int fds_fd = dirfd(fds.get());
  std::array<char, 64> target{};
  while (const dirent* entry = readdir(fds.get())) {
    if (entry->d_name[0] == '.') {
      continue;
    }
    const ssize_t n = readlinkat(fds_fd, entry->d_name, target.data(), target.size());
    if (n <= 0) {
      if (errno == EACCES || errno == EPERM) {
        return;  // the same ptrace check guards every fd of this process
      }
      continue;
    }
    const auto inode = parse_socket_link({target.data(), static_cast<std::size_t>(n)});
    if (!inode || (wanted != nullptr && !wanted->contains(*inode))) {
      continue;
    }
    auto& pids = holders[*inode];
    if (pids.empty() || pids.back() != pid) {
      pids.push_back(pid);
    }
  }
}

}  // namespace

std::optional<std::uint64_t> parse_socket_link(std::string_view target) {
  constexpr std::string_view prefix = "socket:[";
  if (!target.starts_with(prefix) || !target.ends_with(']')) {
    return std::nullopt;
  }
  const std::string_view digits = target.substr(prefix.size(), target.size() - prefix.size() - 1);
  std::uint64_t inode = 0;
  const auto* end = digits.data() + digits.size();
  const auto [ptr, ec] = std::from_chars(digits.data(), end, inode);
  if (digits.empty() || ec != std::errc() || ptr != end) {
    return std::nullopt;
  }
  return inode;
}

std::string container_id_from_cgroup(std::string_view cgroup) {
  constexpr std::size_t k_id_length = 64;
  for (const std::string_view marker : {"/docker/", "docker-", "libpod-"}) {
    for (std::size_t at = cgroup.find(marker); at != std::string_view::npos;
         at = cgroup.find(marker, at + 1)) {
      const std::string_view id = cgroup.substr(at + marker.size()).substr(0, k_id_length);
      if (id.size() == k_id_length &&
          id.find_first_not_of("0123456789abcdef") == std::string_view::npos) {
        return std::string(id);
      }
    }
  }
  return {};
}

std::string clean_comm(std::string_view raw) {
  while (!raw.empty() && (raw.back() == '\n' || raw.back() == '\0')) {
    raw.remove_suffix(1);
  }
  return std::string(raw);
}

std::string clean_cmdline(std::string_view raw) {
  std::string text(raw.substr(0, k_cmdline_cap));
  std::replace(text.begin(), text.end(), '\0', ' ');
  while (!text.empty() && text.back() == ' ') {
    text.pop_back();
  }
  return text;
}

namespace {

// Processes beyond which the scan is split over two threads: a busy host
// has thousands of fds to readlink, and the kernel does that work on
// whichever core is free while the other thread waits for the engine.
constexpr std::size_t k_split_above = 256;

SocketHolders scan_holders(const std::string& proc_root,
                           const std::unordered_set<std::uint64_t>* wanted) {
  SocketHolders holders;
  const sys::Fd proc_fd(::open(proc_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!proc_fd) {
    return holders;
  }
  std::vector<int> processes;
  {
    const DirPtr proc = open_dir_at(proc_fd.get(), ".");
    if (!proc) {
      return holders;
    }
    while (const dirent* entry = readdir(proc.get())) {
      if (const auto pid = parse_pid(entry->d_name)) {
        processes.push_back(*pid);
      }
    }
  }
  const std::size_t half = processes.size() > k_split_above ? processes.size() / 2 : processes.size();
  SocketHolders second;
  {
    std::jthread helper;
    if (half < processes.size()) {
      helper = std::jthread([&] {
        for (std::size_t i = half; i < processes.size(); ++i) {
          scan_fds(proc_fd.get(), processes[i], wanted, second);
        }
      });
    }
    for (std::size_t i = 0; i < half; ++i) {
      scan_fds(proc_fd.get(), processes[i], wanted, holders);
    }
  }
  for (auto& [inode, held_by] : second) {
    auto& all = holders[inode];
    all.insert(all.end(), held_by.begin(), held_by.end());
  }
  for (auto& [inode, pids] : holders) {
    std::sort(pids.begin(), pids.end());
    pids.erase(std::unique(pids.begin(), pids.end()), pids.end());
  }
  return holders;
}

}  // namespace

SocketHolders scan_socket_holders(const std::string& proc_root) {
  return scan_holders(proc_root, nullptr);
}

SocketOwners resolve_socket_owners(const SocketHolders& holders, const std::string& proc_root,
                                   const std::unordered_set<std::uint64_t>& wanted) {
  SocketOwners owners;
  const sys::Fd proc_fd(::open(proc_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!proc_fd) {
    return owners;
  }
  // comm and cmdline are read for the holders of wanted sockets alone.
  std::map<int, std::optional<ProcessRef>> processes;
  for (const std::uint64_t inode : wanted) {
    const auto found = holders.find(inode);
    if (found == holders.end()) {
      continue;
    }
    for (const int pid : found->second) {
      auto [slot, inserted] = processes.try_emplace(pid);
      if (inserted) {
        const std::string dir = std::to_string(pid);
        auto comm = read_small(proc_fd.get(), dir + "/comm", 256);
        auto cmdline = read_small(proc_fd.get(), dir + "/cmdline", k_cmdline_cap);
        auto cgroup = read_small(proc_fd.get(), dir + "/cgroup", 4096);
        if (comm && cmdline) {
          slot->second = ProcessRef{pid, clean_comm(*comm), clean_cmdline(*cmdline),
                                    cgroup ? container_id_from_cgroup(*cgroup) : std::string()};
        }
      }
      if (slot->second) {
        owners[inode].push_back(*slot->second);
      }
    }
  }
  return owners;
}

SocketOwners scan_socket_owners(const std::string& proc_root,
                                const std::unordered_set<std::uint64_t>& wanted) {
  if (wanted.empty()) {
    return {};
  }
  return resolve_socket_owners(scan_holders(proc_root, &wanted), proc_root, wanted);
}

}  // namespace whyno::kernel
