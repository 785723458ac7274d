#pragma once
// What the kernel says about one network namespace: its interfaces, routes
// and listening sockets. Filled by collect/, read by core/.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "whyno/util/ip_address.hpp"
#include "whyno/model/protocol.hpp"

namespace whyno {

/// A source of facts that could not be read, and why. Missing facts are data:
/// the diagnosis says what it could not see instead of guessing.
struct Unread {
  std::string source;  // e.g. "nftables rules", "listeners of container web"
  std::string reason;  // e.g. "permission denied (needs CAP_NET_ADMIN)"
};

struct ProcessRef {
  int pid = 0;
  std::string comm;          // /proc/PID/comm
  std::string cmdline;       // /proc/PID/cmdline, NULs turned into spaces
  std::string container_id;  // from /proc/PID/cgroup when it runs in a container
  /// Its effective uid (/proc/PID's owner); nullopt when not known (a
  /// snapshot that predates it).
  std::optional<unsigned> uid;
  /// /proc/PID/exe: the executable's path ("" when it cannot be read).
  std::string exe;
  /// The executable is a root-owned file, not writable by others, in a
  /// root-owned directory not writable by others: the system's program,
  /// not a copy a user made and named after it. Forwarders (docker-proxy,
  /// rootlessport, rootlesskit, ...) are recognised only then. True in
  /// snapshots that predate it.
  bool system_binary = true;
  /// Its scheduler state from /proc/PID/stat: "R" running, "S" sleeping,
  /// "D" uninterruptible, "T" stopped (SIGSTOP), "t" traced (a debugger
  /// stopped it), "Z" zombie; "" when not read (older snapshots).
  std::string run_state;
  /// Its cgroup is frozen (cgroup v2 cgroup.events "frozen 1", v1 freezer
  /// FROZEN): `docker pause`, `podman pause`, a systemd freeze.
  bool frozen = false;
  /// When frozen: the file that thaws it, /sys/fs/cgroup/PATH/cgroup.freeze
  /// (v2, write 0) or .../freezer.state (v1, write THAWED).
  std::string thaw_file;
};

/// Whether the process cannot run to accept a connection now: stopped,
/// traced, frozen or a zombie. "D" is not: it is usually over in a moment.
inline bool is_halted(const ProcessRef& p) {
  return p.frozen || p.run_state == "T" || p.run_state == "t" || p.run_state == "Z";
}

/// A listening TCP socket, or a bound UDP socket (ss's UNCONN).
struct Listener {
  Protocol protocol = Protocol::tcp;
  IpAddress address;  // unspecified = wildcard
  std::uint16_t port = 0;
  bool v6only = false;              // IPV6_V6ONLY, for IPv6 sockets
  std::uint32_t bound_ifindex = 0;  // SO_BINDTODEVICE, 0 = none
  std::uint32_t accept_queue = 0;   // TCP listen: connections waiting for accept()
  std::uint32_t backlog = 0;        // TCP listen: the accept queue's limit
  /// TCP: connections on its port in this namespace, in any state but
  /// LISTEN (queued, accepted, closing, TIME_WAIT): one more after a probe
  /// than before is the probe's connection arriving.
  std::uint32_t connections = 0;
  std::uint64_t inode = 0;
  std::vector<ProcessRef> owners;  // every process holding the socket
};

struct InterfaceAddress {
  IpAddress address;
  unsigned prefix_len = 0;
};

struct Interface {
  std::uint32_t index = 0;
  std::string name;
  std::string kind;                // rtnl link kind: "bridge", "veth", ... or ""
  std::uint32_t master_index = 0;  // the bridge a port is enslaved to
  bool up = false;                 // IFF_UP
  std::uint32_t mtu = 0;
  std::vector<InterfaceAddress> addresses;
};

struct Route {
  IpPrefix destination;
  std::uint32_t output_index = 0;
  IpAddress gateway;  // unspecified when directly connected
  bool has_gateway = false;
  std::uint8_t type = 0;    // RTN_* (1 unicast, 2 local, 6 prohibit, ...)
  std::uint32_t table = 0;  // RT_TABLE_* (254 main, 255 local)
};

struct NetnsFacts {
  std::uint64_t inode = 0;  // of the nsfs file: same inode, same namespace
  std::vector<Interface> interfaces;
  std::vector<Route> routes;
  std::vector<Listener> listeners;
  /// The ports whose listeners were read, the kernel leaving out the rest
  /// (ListenerScope); empty when every port was read.
  std::vector<std::uint16_t> listeners_only_on;
  /// Listeners a read of every port found but did not keep (ListenerScope::keep).
  std::uint32_t listeners_left_out = 0;
  std::vector<Unread> unread;
};

/// Which listening sockets a namespace read keeps. A question about one
/// port needs the sockets on the ports the packet can reach; the rest of a
/// busy namespace only when nothing there takes the traffic, and then the
/// likeliest few.
struct ListenerScope {
  /// The ports wanted; with every_port false the kernel returns only
  /// sockets on them (sock_diag's bytecode filter).
  std::vector<std::uint16_t> ports;
  bool every_port = true;
  /// With every_port: how many listeners are kept. Those on `ports` come
  /// first, then those of `protocol`, then reachable ones (not loopback),
  /// then the lowest ports; the rest are counted (listeners_left_out).
  std::size_t keep = static_cast<std::size_t>(-1);
  Protocol protocol = Protocol::tcp;
  /// Count the TCP listeners' connections (Listener::connections).
  bool connections = true;

  /// Everything: --all, and readers that know no question.
  static ListenerScope everything() { return {}; }
  /// More ports than this are not filtered (the kernel's bytecode is 12
  /// bytes a port, inside one netlink attribute): every socket is read.
  static constexpr std::size_t k_max_filtered_ports = 1024;

  /// Only the sockets on `ports` (every one when they are too many).
  static ListenerScope only(std::vector<std::uint16_t> ports, Protocol protocol) {
    const bool too_many = ports.size() > k_max_filtered_ports;
    return {std::move(ports), too_many, static_cast<std::size_t>(-1), protocol};
  }
  /// Every port, the likeliest `keep` kept.
  static ListenerScope widest(std::vector<std::uint16_t> ports, Protocol protocol, std::size_t keep) {
    return {std::move(ports), true, keep, protocol};
  }
};

/// Whether an interface of `ns` has address `a` (the kernel's "local" table,
/// loopback's 127/8 aside).
inline bool has_interface_address(const NetnsFacts& ns, const IpAddress& a) {
  for (const Interface& i : ns.interfaces) {
    for (const InterfaceAddress& ia : i.addresses) {
      if (ia.address == a) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace whyno
