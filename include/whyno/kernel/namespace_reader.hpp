#pragma once
// The kernel's view of network namespaces and of the processes in them,
// behind two narrow interfaces: the live namespace reader joins namespaces
// with setns(2) and dumps them over netlink, the live process reader reads
// /proc; tests use recorded ones (tests/unit/fake_sources.hpp).

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "whyno/model/facts.hpp"
#include "whyno/kernel/socket_owners.hpp"
#include "whyno/sys/fd.hpp"
#include "whyno/util/result.hpp"

namespace whyno::kernel {

/// An opened network namespace: the handle keeps it alive while it is read,
/// even if every process in it exits meanwhile.
struct NamespaceHandle {
  sys::Fd fd;               // the nsfs file (a fake reader leaves it closed)
  std::uint64_t inode = 0;  // same inode, same namespace
};

/// A child of a port forwarder that lives in a network namespace of its own:
/// rootlesskit's child, in whose namespace rootless Docker runs.
struct ForwarderChild {
  int pid = 0;
  std::optional<unsigned> uid;  // the forwarder's real uid
};

/// A network namespace found on the host, and how to name it.
struct NamespaceCandidate {
  std::string path;         // /run/netns/NAME or /proc/PID/ns/net
  std::uint64_t inode = 0;  // its nsfs inode
  int pid = 0;              // a process in it (0 for a named one nobody is in)
  unsigned uid = 0;         // that process's owner (0 for a named one: root's directory)
  /// How sentences name it: "web" (ip netns, /run/netns/web), "pod 5f1c... (Kubernetes)",
  /// "containerd task 3a4b...", "LXC container c1", "libvirt machine vm1",
  /// "systemd unit foo.service", else "process 1234 (comm)".
  std::string label;
  /// The containerd container (64 hex) a root process in it belongs to, from
  /// its cgroup ("/k8s.io/<id>", "cri-containerd-<id>.scope"); "" for none.
  /// Named by gather from containerd's metadata (a pod's sandbox or app).
  std::string containerd_id;
};

/// The containerd container `cgroup` (/proc/PID/cgroup) puts a process in;
/// "" when none.
std::string containerd_id_of_cgroup(std::string_view cgroup);

/// How a namespace's processes are named, from /proc/PID/cgroup and comm
/// (see NamespaceCandidate::label). A Kubernetes pod is named as kubectl
/// names it, "pod default/web (Kubernetes)", when `pod_log_dirs` (the
/// entries of the kubelet's /var/log/pods, "<namespace>_<pod>_<uid>") has
/// its uid; else by its uid.
std::string namespace_label(std::string_view cgroup, int pid, std::string_view comm,
                            const std::vector<std::string>& pod_log_dirs = {});

class NamespaceReader {
 public:
  virtual ~NamespaceReader() = default;

  /// Interfaces, routes and listening sockets of the host's own namespace;
  /// the listeners `scope` asks for.
  virtual NetnsFacts read_host(const ListenerScope& scope) = 0;

  /// Sysctls of the host namespace, per-interface ones for `interfaces`.
  virtual Sysctls read_sysctls(std::span<const std::string> interfaces) = 0;

  /// Sysctls of an opened namespace, as read_sysctls() gives the host's.
  virtual Sysctls read_sysctls_in(const NamespaceHandle& netns, std::span<const std::string> interfaces) = 0;

  /// Opens the namespace process `pid` is in. Error::Kind::not_found when
  /// the process is gone.
  virtual Result<NamespaceHandle> open(int pid) = 0;

  /// Opens the namespace an nsfs file names (/run/netns/NAME, /proc/PID/ns/net).
  virtual Result<NamespaceHandle> open_path(const std::string& path) = 0;

  /// Reads an opened namespace, the listeners `scope` asks for. Never fails
  /// as a whole except when it cannot be entered; what could not be read is
  /// in NetnsFacts::unread.
  virtual Result<NetnsFacts> read(const NamespaceHandle& netns, const ListenerScope& scope) = 0;

  /// Whether process `pid` still lives in namespace `inode`: false once it
  /// exited or was replaced (a restart), so what was read is stale.
  virtual bool still_in(int pid, std::uint64_t inode) = 0;

  /// Every network namespace of the host but its own, named
  /// (list_network_namespaces); none for readers that know none.
  virtual std::vector<NamespaceCandidate> list_namespaces() { return {}; }

  /// The host namespace's listening sockets alone.
  virtual std::vector<Listener> read_host_listeners(const ListenerScope& scope) {
    return read_host(scope).listeners;
  }
};

/// Processes, as far as a diagnosis needs them: who holds which socket,
/// whose a process is, and rootlesskit's child.
class ProcessReader {
 public:
  virtual ~ProcessReader() = default;

  /// Fills Listener::owners in `namespaces` for the sockets `search` asks
  /// for (kernel::find_socket_owners); the others keep what they have.
  virtual void attach_owners(std::span<NetnsFacts* const> namespaces, const OwnerSearch& search) = 0;

  /// Whether process `pid` is user `uid`'s: it runs in a user namespace
  /// that uid owns (a rootless engine's container does; root's containers
  /// and PID 1 do not). permission_denied, in one sentence, when not.
  virtual Result<void> check_belongs_to(int pid, unsigned uid) = 0;

  /// The child of process `pid` that is in another network namespace than
  /// `pid` (rootlesskit's child); nullopt when there is none.
  virtual std::optional<ForwarderChild> forwarder_child(int pid) = 0;
};

/// The readers of this machine's kernel. `host_root` is where the host's
/// root filesystem is mounted when whyno-port runs in a container of its own
/// (`kubectl debug node`: /host): the named namespaces (/run/netns) and the
/// kubelet's pod logs (/var/log/pods) are read under it; /proc is this
/// process's, which must be the host's (hostPID). "" for /.
std::unique_ptr<NamespaceReader> live_namespace_reader(const std::string& host_root = "");
std::unique_ptr<ProcessReader> live_process_reader();

}  // namespace whyno::kernel
