#pragma once
// Gathers every fact a diagnosis needs from the readers, in as few kernel
// round trips as it can: one engine conversation, a handful of netlink dumps
// per namespace, and in /proc the fds of the processes likely to hold the
// sockets in question (owner_search.hpp), all of /proc only when they
// do not. Work that does not depend on the engine
// runs while the engine answers. The readers sit behind interfaces, so this
// glue is unit-tested over fakes (tests/unit/test_gather_gather.cpp).

#include <cstdint>
#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "whyno/model/facts.hpp"
#include "whyno/model/query.hpp"
#include "whyno/engine/containerd_pods.hpp"
#include "whyno/engine/engine_source.hpp"
#include "whyno/kernel/namespace_reader.hpp"

namespace whyno::gather {

/// Why the facts could not be gathered at all. One sentence.
struct ReadFailure {
  enum class Kind {
    usage,           // the query names something that does not exist
    cannot_inspect,  // privileges, the engine, a client that is not running
  };
  Kind kind = Kind::cannot_inspect;
  std::string message;
};

/// Everything gather reads this host through.
struct Sources {
  engine::EngineSource& engine;
  kernel::NamespaceReader& namespaces;
  kernel::ProcessReader& processes;
  /// Every netfilter rule of the host namespace (netfilter::read_netfilter).
  std::function<Result<nf::Ruleset>()> read_rules;
  /// The host resolver, for an ADDRESS that is a host name.
  std::function<std::vector<IpAddress>(const std::string&)> resolve;
  /// Seconds since the epoch, stamped on the facts.
  std::function<std::int64_t()> now;
  /// Every netfilter rule of an opened namespace (rootless Docker's).
  std::function<Result<nf::Ruleset>(const kernel::NamespaceHandle&)> read_rules_in{};
  /// A small file an engine names (a container's hosts file), read as its
  /// owner's (sys::read_owned_file): never a FIFO, a device or a symlink
  /// out of the owner's reach.
  std::function<Result<std::string>(const std::string& path, unsigned owner)> read_owned_file{};
  /// containerd's pod containers (engine::read_containerd_pods), read when a
  /// namespace the packet reaches holds a containerd container: how a pod is
  /// named without an API server.
  std::function<Result<std::vector<engine::ContainerdContainer>>()> read_containerd_pods{};
  /// The node's CNI network (engine::read_cni_network), read when the host's
  /// rules are kube-proxy's or a CNI plugin's: whether hostPorts are mapped.
  std::function<Result<CniNetwork>()> read_cni_network{};
};

/// How often a container whose namespace no longer fits what the engine
/// said (its PID vanished, or it restarted) is inspected and read again.
constexpr int k_max_rereads = 2;

/// What a reading is for, beyond the question.
struct ReadPlan {
  /// Count each TCP listener's connections (Listener::connections): a
  /// probe follows, whose arrival one more proves. Each count walks the
  /// kernel's whole table of connections, per namespace and family (about
  /// 1.5 ms each on a host with 24 GiB), so a run without a probe skips it.
  bool count_connections = true;
  /// A probe follows: for --from ADDRESS, the namespace of this host that
  /// holds the address is looked for (Facts::client_netns) to send it from.
  bool probe = true;
};

/// Reads the engine, checks the query against it, then the host namespace,
/// its rules and sysctls, every running container's namespace (in parallel;
/// namespaces shared by several containers once), the owners of their
/// sockets, and the query's address if it is a name. A container whose PID
/// vanished or moved to another namespace while it was read is inspected
/// again, at most k_max_rereads times; what stays unreadable is in
/// Facts::unread.
std::expected<Facts, ReadFailure> gather(const Query& query, const Sources& sources,
                                         const ReadPlan& plan = {});

/// --from NAMESPACE/POD (a Kubernetes pod as kubectl names it): the pod is
/// found among this host's namespaces by containerd's labels on a process
/// in it, and the client becomes its namespace's address (Client::ip, its
/// text kept), so it is diagnosed, and probed, as the machine on the pod
/// network it is. Nothing for any other --from, or when no running pod of
/// that name is on this node: then it is Compose's PROJECT/SERVICE.
std::expected<void, ReadFailure> resolve_pod_client(Query& query, const Sources& sources);

/// The accept queues of the TCP listeners in the namespaces `facts` read
/// (the host's and the containers'), read again now: after a probe whose
/// connection completed in silence, whether it still waits to be accepted.
/// A namespace whose process left or changed is skipped.
std::vector<ListenerAfterProbe> listeners_now(const Facts& facts, kernel::NamespaceReader& namespaces);

}  // namespace whyno::gather
