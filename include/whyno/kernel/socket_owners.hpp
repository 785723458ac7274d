#pragma once
// Which processes hold which sockets: the /proc scan behind `ss -p`.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "whyno/model/netns_facts.hpp"

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

/// The state letter of /proc/PID/stat ("123 (comm) S ..."), read after
/// the last ')' since comm may hold one; "" when the text has none.
std::string run_state_from_stat(std::string_view stat);

/// Where a process's freezer state may be, relative to the cgroup mount
/// (/sys/fs/cgroup), from /proc/PID/cgroup: v1's freezer
/// ("freezer/PATH/freezer.state") and v2's "PATH/cgroup.events", on a
/// unified host and on a hybrid one ("unified/PATH/cgroup.events"). None
/// for the root cgroup or a path that climbs with "..".
std::vector<std::string> freezer_files_from_cgroup(std::string_view cgroup);

/// Whether a freezer file says frozen: "frozen 1" (v2), "FROZEN" (v1).
bool freezer_says_frozen(std::string_view text);

using SocketOwners = std::unordered_map<std::uint64_t, std::vector<ProcessRef>>;

/// A search of /proc for the processes holding some sockets. Reading every
/// fd of every process (what `ss -p` does) costs tens of milliseconds on a
/// host with hundreds of containers, most of the time a question takes; the
/// holders are nearly always a container's own processes or a port
/// forwarder, so those are looked at first.
struct OwnerSearch {
  /// Sockets whose holders are looked for until found, in all of /proc if
  /// need be.
  std::unordered_set<std::uint64_t> needed;
  /// Sockets named only when the processes of `first` hold them: a
  /// host-network container's own, among the host's many.
  std::unordered_set<std::uint64_t> if_held_by_first;
  /// Processes whose trees (each and its descendants) are looked in first:
  /// the containers' own processes.
  std::vector<int> first;
  /// Host ports of the needed sockets: of the docker-proxy processes, only
  /// those whose -host-port is one of these are looked in (all when empty).
  std::set<std::uint16_t> forwarded_ports;
  /// dockerd processes: their children are the port forwarders looked at
  /// first (dockerd starts a docker-proxy per published port and address
  /// family, and its children are told by their command line alone). Those
  /// found there spare listing /proc (1,300 processes at 300 containers, a
  /// fifth of the host's reading).
  std::vector<int> dockerds;
  /// The first pids of containers publishing forwarded_ports: dockerd starts
  /// a container's docker-proxies moments before the container's first
  /// process, so its children are tried nearest these pids first (at 300
  /// containers, the first or second of 600 read instead of a random half).
  std::vector<int> near_pids;

  bool empty() const { return needed.empty() && if_held_by_first.empty(); }
};

/// The holders of the sockets `search` asks for, in up to three rounds, each
/// only while a needed socket has no holder yet:
///   1. the processes of `first` and their descendants
///      (/proc/PID/task/TID/children);
///   2. the port forwarders, by program name and comm: docker-proxy (for
///      forwarded_ports), rootlessport, rootlesskit, conmon, slirp4netns,
///      pasta; first among the children of dockerds, then among
///      every process;
///   3. every process not looked in yet, for every needed socket.
/// Holders are sorted by pid, each once. A socket found in round 1 or 2 lists
/// the holders found there: a process outside those that holds it too (an
/// inherited fd) is not looked for. Processes that vanish meanwhile, or that
/// may not be looked into, are skipped.
SocketOwners find_socket_owners(const std::string& proc_root, const OwnerSearch& search);

/// Every holder of each wanted socket, from one scan of every process's fds
/// (round 3 alone).
SocketOwners scan_socket_owners(const std::string& proc_root,
                                const std::unordered_set<std::uint64_t>& wanted);

/// The value of docker-proxy's "-host-port" in a raw /proc/PID/cmdline
/// (arguments separated by NULs), nullopt when it has none.
std::optional<std::uint16_t> docker_proxy_host_port(std::string_view cmdline);

/// Whether `comm` names a process that holds host ports for containers.
bool is_port_forwarder_comm(std::string_view comm);

/// dockerd's pid, from its pid file (`pid_file`, /run/docker.pid) when
/// root owns it and `proc_root`/PID runs a program named dockerd: a file
/// anyone else wrote could send the search to their own processes.
std::optional<int> docker_daemon_pid(const std::string& proc_root, const std::string& pid_file);

}  // namespace whyno::kernel
