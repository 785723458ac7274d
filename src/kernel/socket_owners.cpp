#include "whyno/kernel/socket_owners.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <array>
#include <charconv>
#include <map>
#include <memory>
#include <thread>
#include <tuple>
#include <vector>

#include <fmt/format.h>

#include "forwarders.hpp"
#include "proc_files.hpp"
#include "process_children.hpp"
#include "whyno/sys/fd.hpp"

namespace whyno::kernel {

using detail::DirPtr;
using detail::dockerd_child_forwards;
using detail::exe_path;
using detail::for_each_dockerd_child_near;
using detail::is_forwarder_for;
using detail::nearest_first;
using detail::open_dir_at;
using detail::parse_pid;
using detail::read_small;

namespace {

constexpr const char* k_cgroup_root = "/sys/fs/cgroup";

/// Socket inode -> pids holding it.
using SocketHolders = std::unordered_map<std::uint64_t, std::vector<int>>;

/// The wanted socket inodes among one process's fds.
void scan_fds(int proc_fd, int pid, const std::unordered_set<std::uint64_t>& wanted, SocketHolders& holders) {
  const std::string fd_path = std::to_string(pid) + "/fd";
  const DirPtr fds = open_dir_at(proc_fd, fd_path.c_str());
  if (!fds) {
    return;  // gone, or a process we may not look into
  }
  const int fds_fd = dirfd(fds.get());
  std::array<char, 64> target{};
  // Once this process is seen holding every wanted socket, its other fds
  // cannot add a holder: a process with 10,000 fds is not read to the end
  // for the few sockets a question names.
  std::size_t held_here = 0;
  while (held_here < wanted.size()) {
    const dirent* entry = readdir(fds.get());
    if (entry == nullptr) {
      break;
    }
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
    if (!inode || !wanted.contains(*inode)) {
      continue;
    }
    auto& pids = holders[*inode];
    if (pids.empty() || pids.back() != pid) {
      pids.push_back(pid);
      ++held_here;
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
      if (id.size() == k_id_length && id.find_first_not_of("0123456789abcdef") == std::string_view::npos) {
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

std::string run_state_from_stat(std::string_view stat) {
  const auto close = stat.rfind(')');
  if (close == std::string_view::npos || close + 2 >= stat.size() || stat[close + 1] != ' ') {
    return {};
  }
  const char state = stat[close + 2];
  return std::string_view("RSDTtZXxIKWP").find(state) != std::string_view::npos ? std::string(1, state)
                                                                                : std::string();
}

std::vector<std::string> freezer_files_from_cgroup(std::string_view cgroup) {
  std::vector<std::string> files;
  while (!cgroup.empty()) {
    const auto end = cgroup.find('\n');
    const std::string_view line = cgroup.substr(0, end);
    cgroup = end == std::string_view::npos ? std::string_view() : cgroup.substr(end + 1);
    // "ID:CONTROLLERS:PATH"
    const auto first = line.find(':');
    const auto second = first == std::string_view::npos ? first : line.find(':', first + 1);
    if (second == std::string_view::npos) {
      continue;
    }
    const std::string_view controllers = line.substr(first + 1, second - first - 1);
    const std::string_view path = line.substr(second + 1);
    // The root cgroup cannot be frozen.
    if (!path.starts_with('/') || path.size() < 2 || path.find("/..") != std::string_view::npos) {
      continue;
    }
    if (line.substr(0, first) == "0" && controllers.empty()) {
      files.push_back(fmt::format("{}/cgroup.events", path.substr(1)));
      files.push_back(fmt::format("unified{}/cgroup.events", path));
    } else if (controllers == "freezer" || controllers.starts_with("freezer,") ||
               controllers.ends_with(",freezer") || controllers.find(",freezer,") != std::string_view::npos) {
      files.insert(files.begin(), fmt::format("freezer{}/freezer.state", path));
    }
  }
  return files;
}

bool freezer_says_frozen(std::string_view text) {
  return text.starts_with("FROZEN") || text.starts_with("FREEZING") ||
         text.find("frozen 1") != std::string_view::npos;
}

namespace {

// Processes beyond which round 3 is split over two threads: a busy host has
// thousands of fds to readlink, and the kernel does that work on whichever
// core is free.
constexpr std::size_t k_split_above = 256;

// Descendants beyond which a tree is not followed further: a container is a
// few processes; a fork bomb is not worth reading.
constexpr std::size_t k_max_tree = 4096;

std::vector<int> list_processes(int proc_fd) {
  std::vector<int> processes;
  const DirPtr proc = open_dir_at(proc_fd, ".");
  if (!proc) {
    return processes;
  }
  while (const dirent* entry = readdir(proc.get())) {
    if (const auto pid = parse_pid(entry->d_name)) {
      processes.push_back(*pid);
    }
  }
  return processes;
}

/// `roots` and their descendants, each once.
std::vector<int> process_trees(const std::string& proc_root, const std::vector<int>& roots) {
  std::vector<int> out;
  std::unordered_set<int> seen;
  for (const int root : roots) {
    if (root > 0 && seen.insert(root).second) {
      out.push_back(root);
    }
  }
  for (std::size_t at = 0; at < out.size() && out.size() < k_max_tree; ++at) {
    for (const int child : child_processes(proc_root, out[at])) {
      if (seen.insert(child).second) {
        out.push_back(child);
      }
    }
  }
  return out;
}

/// Scans the fds of `pids` for `wanted`, on two threads when they are many.
void scan_processes(int proc_fd, const std::vector<int>& pids,
                    const std::unordered_set<std::uint64_t>& wanted, SocketHolders& holders) {
  const std::size_t half = pids.size() > k_split_above ? pids.size() / 2 : pids.size();
  SocketHolders second;
  {
    std::jthread helper;
    if (half < pids.size()) {
      helper = std::jthread([&] {
        for (std::size_t i = half; i < pids.size(); ++i) {
          scan_fds(proc_fd, pids[i], wanted, second);
        }
      });
    }
    for (std::size_t i = 0; i < half; ++i) {
      scan_fds(proc_fd, pids[i], wanted, holders);
    }
  }
  for (auto& [inode, held_by] : second) {
    auto& all = holders[inode];
    all.insert(all.end(), held_by.begin(), held_by.end());
  }
}

bool all_held(const std::unordered_set<std::uint64_t>& needed, const SocketHolders& holders) {
  return std::all_of(needed.begin(), needed.end(),
                     [&](std::uint64_t inode) { return holders.contains(inode); });
}

/// Round 2: the port forwarders among `processes`, in turn, until every
/// needed socket is held; returns those looked in.
std::vector<int> scan_forwarders(int proc_fd, const std::vector<int>& processes, const OwnerSearch& search,
                                 const std::unordered_set<int>& looked_in, SocketHolders& holders,
                                 bool dockerd_children = false) {
  std::vector<int> scanned;
  for (const int pid : processes) {
    if (looked_in.contains(pid)) {
      continue;
    }
    const std::optional<bool> known =
        dockerd_children ? dockerd_child_forwards(proc_fd, pid, search) : std::nullopt;
    if (!(known ? *known : is_forwarder_for(proc_fd, pid, search))) {
      continue;
    }
    scan_fds(proc_fd, pid, search.needed, holders);
    scanned.push_back(pid);
    if (all_held(search.needed, holders)) {
      break;
    }
  }
  return scanned;
}

/// The executable of `dir` (/proc's PID), and whether it is the system's:
/// a root-owned file nobody else may write. A user cannot make one (they
/// can copy a program, and own the copy), so a process named docker-proxy
/// or rootlessport running the user's copy is not taken for the real one.
std::pair<std::string, bool> executable_of(int proc_fd, const std::string& dir) {
  std::optional<std::string> exe = exe_path(proc_fd, dir);
  if (!exe) {
    return {std::string(), false};  // a kernel thread, gone, or not ours to read
  }
  struct stat file {};
  // Follows the magic link to the inode the process runs, even if replaced.
  const bool system = ::fstatat(proc_fd, (dir + "/exe").c_str(), &file, 0) == 0 && file.st_uid == 0 &&
                      (file.st_mode & (S_IWGRP | S_IWOTH)) == 0;
  return {std::move(*exe), system};
}

/// The file that thaws the process's cgroup when it is frozen, else "".
/// The cgroup file system is the kernel's: nobody can plant a FIFO or a
/// link in it, and the path is the kernel's own, checked for ".." all the
/// same.
std::string frozen_cgroup(std::string_view cgroup) {
  const std::vector<std::string> files = freezer_files_from_cgroup(cgroup);
  if (files.empty()) {
    return {};
  }
  const sys::Fd root(::open(k_cgroup_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root) {
    return {};
  }
  for (const std::string& file : files) {
    const auto text = read_small(root.get(), file, 512);
    if (!text || !freezer_says_frozen(*text)) {
      continue;
    }
    constexpr std::string_view k_events = "cgroup.events";
    return fmt::format(
        "{}/{}", k_cgroup_root,
        file.ends_with(k_events) ? file.substr(0, file.size() - k_events.size()) + "cgroup.freeze" : file);
  }
  return {};
}

/// comm, cmdline, container, uid and executable of each holder of the
/// sockets in `holders`.
SocketOwners describe_holders(int proc_fd, SocketHolders& holders) {
  SocketOwners owners;
  std::map<int, std::optional<ProcessRef>> processes;
  for (auto& [inode, pids] : holders) {
    std::sort(pids.begin(), pids.end());
    pids.erase(std::unique(pids.begin(), pids.end()), pids.end());
    for (const int pid : pids) {
      auto [slot, inserted] = processes.try_emplace(pid);
      if (inserted) {
        const std::string dir = std::to_string(pid);
        auto comm = read_small(proc_fd, dir + "/comm", 256);
        auto cmdline = read_small(proc_fd, dir + "/cmdline", k_cmdline_cap);
        auto cgroup = read_small(proc_fd, dir + "/cgroup", 4096);
        struct stat process {};
        if (comm && cmdline && ::fstatat(proc_fd, dir.c_str(), &process, 0) == 0) {
          ProcessRef ref;
          ref.pid = pid;
          ref.comm = clean_comm(*comm);
          ref.cmdline = clean_cmdline(*cmdline);
          ref.container_id = cgroup ? container_id_from_cgroup(*cgroup) : std::string();
          ref.uid = static_cast<unsigned>(process.st_uid);  // its effective uid
          std::tie(ref.exe, ref.system_binary) = executable_of(proc_fd, dir);
          if (const auto stat = read_small(proc_fd, dir + "/stat", 1024)) {
            ref.run_state = run_state_from_stat(*stat);
          }
          ref.thaw_file = cgroup ? frozen_cgroup(*cgroup) : std::string();
          ref.frozen = !ref.thaw_file.empty();
          slot->second = std::move(ref);
        }
      }
      if (slot->second) {
        owners[inode].push_back(*slot->second);
      }
    }
  }
  return owners;
}

}  // namespace

SocketOwners find_socket_owners(const std::string& proc_root, const OwnerSearch& search) {
  if (search.empty()) {
    return {};
  }
  const sys::Fd proc_fd(::open(proc_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!proc_fd) {
    return {};
  }
  SocketHolders holders;
  std::unordered_set<int> looked_in;
  // 1. The containers' own processes.
  if (!search.first.empty()) {
    std::unordered_set<std::uint64_t> wanted = search.needed;
    wanted.insert(search.if_held_by_first.begin(), search.if_held_by_first.end());
    const std::vector<int> trees = process_trees(proc_root, search.first);
    scan_processes(proc_fd.get(), trees, wanted, holders);
    looked_in.insert(trees.begin(), trees.end());
  }
  // 2. The port forwarders: the engines' children, then anyone's.
  for (const int dockerd : search.dockerds) {
    if (all_held(search.needed, holders)) {
      break;
    }
    for_each_dockerd_child_near(proc_fd.get(), dockerd, search.near_pids, [&](int pid) {
      const std::vector<int> forwarder =
          scan_forwarders(proc_fd.get(), {pid}, search, looked_in, holders, /*dockerd_children=*/true);
      looked_in.insert(forwarder.begin(), forwarder.end());
      return !all_held(search.needed, holders);
    });
    if (all_held(search.needed, holders)) {
      break;
    }
    std::vector<int> children = child_processes(proc_root, dockerd);
    nearest_first(children, search.near_pids);
    const std::vector<int> forwarders =
        scan_forwarders(proc_fd.get(), children, search, looked_in, holders, /*dockerd_children=*/true);
    looked_in.insert(forwarders.begin(), forwarders.end());
  }
  if (!all_held(search.needed, holders)) {
    const std::vector<int> processes = list_processes(proc_fd.get());
    const std::vector<int> forwarders = scan_forwarders(proc_fd.get(), processes, search, looked_in, holders);
    looked_in.insert(forwarders.begin(), forwarders.end());
    // 3. Everyone else, for every needed socket (so that one held by many
    // processes lists them all).
    if (!all_held(search.needed, holders)) {
      std::vector<int> rest;
      for (const int pid : processes) {
        if (!looked_in.contains(pid)) {
          rest.push_back(pid);
        }
      }
      scan_processes(proc_fd.get(), rest, search.needed, holders);
    }
  }
  return describe_holders(proc_fd.get(), holders);
}

SocketOwners scan_socket_owners(const std::string& proc_root,
                                const std::unordered_set<std::uint64_t>& wanted) {
  if (wanted.empty()) {
    return {};
  }
  const sys::Fd proc_fd(::open(proc_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!proc_fd) {
    return {};
  }
  SocketHolders holders;
  scan_processes(proc_fd.get(), list_processes(proc_fd.get()), wanted, holders);
  return describe_holders(proc_fd.get(), holders);
}

}  // namespace whyno::kernel
