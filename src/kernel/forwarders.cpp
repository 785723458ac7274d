#include "forwarders.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_set>

#include "proc_files.hpp"
#include "whyno/sys/fd.hpp"
#include "whyno/sys/owned_file.hpp"

namespace whyno::kernel {

namespace detail {

namespace {

/// The file name of the program `dir` (/proc's PID) runs; nullopt as exe_path.
std::optional<std::string> program_name(int proc_fd, const std::string& dir) {
  const std::optional<std::string> path = exe_path(proc_fd, dir);
  return path ? std::optional(path->substr(path->rfind('/') + 1)) : std::nullopt;
}

// The programs that hold host ports for containers.
constexpr std::array<std::string_view, 7> k_forwarders = {
    "docker-proxy", "rootlessport", "rootlesskit", "conmon", "slirp4netns", "pasta", "passt"};

/// Whether a program of that file name may be a port forwarder: its name
/// starts as one's does ("passt.avx2", "docker-proxy (deleted)").
bool may_be_forwarder_program(std::string_view program) {
  return std::any_of(k_forwarders.begin(), k_forwarders.end(),
                     [&](std::string_view name) { return program.starts_with(name); });
}

// How far below a container's first pid its docker-proxies are looked for:
// dockerd starts them, then runc, its init and the shim start the container.
constexpr int k_proxy_pids_before = 64;

/// A number field ("Tgid:\t123") of /proc/PID/status, else nullopt.
std::optional<int> status_number(std::string_view status, std::string_view key) {
  const std::optional<std::string_view> value = status_field(status, key);
  return value ? parse_pid(*value) : std::nullopt;
}

/// Whether a docker-proxy's command line serves one of `search`'s ports
/// (one per published port and address family: only the port's own).
bool serves_searched_port(std::string_view cmdline, const OwnerSearch& search) {
  const auto port = docker_proxy_host_port(cmdline);
  return search.forwarded_ports.empty() || !port || search.forwarded_ports.contains(*port);
}

}  // namespace

/// Whether process `pid` is a port forwarder worth looking in for `search`.
/// Its program's name rules most processes out in one system call, where
/// comm costs three: a host with 300 containers runs 1,300 processes.
bool is_forwarder_for(int proc_fd, int pid, const OwnerSearch& search) {
  const std::string dir = std::to_string(pid);
  const std::optional<std::string> program = program_name(proc_fd, dir);
  if (program && !may_be_forwarder_program(*program)) {
    return false;
  }
  std::string name;
  if (program && program->starts_with("docker-proxy")) {
    name = "docker-proxy";  // half of such a host's processes: their comm is not read too
  } else {
    const auto comm = read_small(proc_fd, dir + "/comm", 64);
    if (!comm) {
      return false;
    }
    name = clean_comm(*comm);
  }
  if (!is_port_forwarder_comm(name)) {
    return false;
  }
  if (name != "docker-proxy" || search.forwarded_ports.empty()) {
    return true;
  }
  const auto cmdline = read_small(proc_fd, dir + "/cmdline", 4096);
  return !cmdline || serves_searched_port(*cmdline, search);
}

/// Whether a child of dockerd is the docker-proxy of one of `search`'s
/// ports, from its command line alone (one read, where the program's name
/// and then the command line took two): dockerd's children run what dockerd
/// started, so their argv[0] names the program as well as its executable
/// does. nullopt for any other child (containerd, an iptables run), told the
/// usual way.
std::optional<bool> dockerd_child_forwards(int proc_fd, int pid, const OwnerSearch& search) {
  const auto cmdline = read_small(proc_fd, std::to_string(pid) + "/cmdline", 4096);
  if (!cmdline) {
    return false;  // gone
  }
  const std::string_view argv0(cmdline->c_str());
  if (!argv0.substr(argv0.rfind('/') + 1).starts_with("docker-proxy")) {
    return std::nullopt;
  }
  return serves_searched_port(*cmdline, search);
}

/// `pids` ordered by their distance to the nearest of `near` (kept as they
/// are when `near` is empty). Pids wrap around, so near is not certain; it
/// is only an order.
void nearest_first(std::vector<int>& pids, const std::vector<int>& near) {
  if (near.empty()) {
    return;
  }
  const auto distance = [&](int pid) {
    int best = std::numeric_limits<int>::max();
    for (const int n : near) {
      best = std::min(best, std::abs(n - pid));
    }
    return best;
  };
  std::stable_sort(pids.begin(), pids.end(), [&](int a, int b) { return distance(a) < distance(b); });
}

/// Calls `visit(pid)` for the processes dockerd started among the pids just
/// below each of `near`, nearest first, until it returns false: one read of
/// /proc/PID/status each, so a thread (its Tgid another pid) or anyone
/// else's process is passed over. At 300 containers this finds a port's
/// docker-proxy in a few dozen reads, where listing dockerd's children
/// reads one file per dockerd thread (190 after a busy day) and then
/// hundreds of command lines.
void for_each_dockerd_child_near(int proc_fd, int dockerd, const std::vector<int>& near,
                                 const std::function<bool(int)>& visit) {
  std::unordered_set<int> seen;
  for (const int top : near) {
    for (int pid = top; pid > 0 && pid >= top - k_proxy_pids_before; --pid) {
      if (!seen.insert(pid).second) {
        continue;
      }
      const auto status = read_small(proc_fd, std::to_string(pid) + "/status", 2048);
      if (status && status_number(*status, "Tgid") == pid && status_number(*status, "PPid") == dockerd &&
          !visit(pid)) {
        return;
      }
    }
  }
}

}  // namespace detail

using detail::parse_pid;
using detail::read_small;

std::optional<std::uint16_t> docker_proxy_host_port(std::string_view cmdline) {
  bool next_is_port = false;
  while (!cmdline.empty()) {
    const std::size_t end = std::min(cmdline.find('\0'), cmdline.size());
    std::string_view argument = cmdline.substr(0, end);
    cmdline.remove_prefix(std::min(end + 1, cmdline.size()));
    if (next_is_port) {
      std::uint16_t port = 0;
      const auto [ptr, ec] = std::from_chars(argument.data(), argument.data() + argument.size(), port);
      if (ec != std::errc() || ptr != argument.data() + argument.size()) {
        return std::nullopt;
      }
      return port;
    }
    // Go's flag package takes -flag and --flag, and -flag=value.
    if (argument.starts_with("--")) {
      argument.remove_prefix(1);
    }
    constexpr std::string_view flag = "-host-port";
    if (argument == flag) {
      next_is_port = true;
    } else if (argument.starts_with(flag) && argument.size() > flag.size() && argument[flag.size()] == '=') {
      cmdline = argument.substr(flag.size() + 1);  // the value alone, read next
      next_is_port = true;
    }
  }
  return std::nullopt;
}

bool is_port_forwarder_comm(std::string_view comm) {
  return std::find(detail::k_forwarders.begin(), detail::k_forwarders.end(), comm) !=
         detail::k_forwarders.end();
}

std::optional<int> docker_daemon_pid(const std::string& proc_root, const std::string& pid_file) {
  // Root's file only: anyone else's could send the search to their processes.
  const Result<std::string> text = sys::read_owned_file(pid_file, sys::FileOwner{0}, 32);
  if (!text) {
    return std::nullopt;
  }
  std::string_view digits = *text;
  while (!digits.empty() && (digits.back() == '\n' || digits.back() == ' ')) {
    digits.remove_suffix(1);
  }
  const std::optional<int> pid = parse_pid(digits);
  const sys::Fd proc_fd(::open(proc_root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!pid || !proc_fd) {
    return std::nullopt;
  }
  const std::optional<std::string> program = detail::program_name(proc_fd.get(), std::to_string(*pid));
  if (!program || !program->starts_with("dockerd")) {
    return std::nullopt;  // a stale file, its pid reused
  }
  return pid;
}

}  // namespace whyno::kernel
