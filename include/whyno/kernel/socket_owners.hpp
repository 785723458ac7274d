#pragma once
// Which processes hold which sockets: the /proc scan behind `ss -p`.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "whyno/core/netns_facts.hpp"

namespace whyno::kernel {

/// The inode in a /proc/PID/fd link target "socket:[12345]", else nullopt.
std::optional<std::uint64_t> parse_socket_link(std::string_view target);

/// /proc/PID/comm without its trailing newline.
std::string clean_comm(std::string_view raw);

/// /proc/PID/cmdline with NULs as spaces, trailing separators trimmed and
/// at most k_cmdline_cap bytes kept.
constexpr std::size_t k_cmdline_cap = 512;
std::string clean_cmdline(std::string_view raw);

/// The container a process runs in, from /proc/PID/cgroup: the 64-hex id in
/// "/docker/<id>", "docker-<id>.scope" or "libpod-<id>"; "" otherwise.
std::string container_id_from_cgroup(std::string_view cgroup);

using SocketOwners = std::unordered_map<std::uint64_t, std::vector<ProcessRef>>;
/// Socket inode -> pids holding it, sorted; no process details yet.
using SocketHolders = std::unordered_map<std::uint64_t, std::vector<int>>;

/// Pass 1 alone: every socket held by every process. It needs no list of
/// wanted sockets, so it can run while the sockets themselves are read.
SocketHolders scan_socket_holders(const std::string& proc_root);

/// Pass 2: the processes (comm, cmdline) behind the wanted sockets.
SocketOwners resolve_socket_owners(const SocketHolders& holders, const std::string& proc_root,
                                   const std::unordered_set<std::uint64_t>& wanted);

/// Scans `proc_root`/[0-9]*/fd once and returns, for each wanted inode held by
/// some process, the holders sorted by pid (one entry per process however
/// many fds it has). comm and cmdline are read only for holders; processes
/// that vanish meanwhile are skipped.
SocketOwners scan_socket_owners(const std::string& proc_root,
                                const std::unordered_set<std::uint64_t>& wanted);

}  // namespace whyno::kernel
