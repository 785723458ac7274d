#pragma once
// podman's state as plain files, for when no podman API answers (no
// `podman system service`): c/storage's container list, each container's OCI
// spec and runtime files, netavark's network files and aardvark-dns's
// per-network lists. Read only; nothing is executed and no container's mount
// namespace is entered. podman 4 keeps port bindings only in its BoltDB
// (bolt_state.db), which is not read: they stay unknown, and the kernel's
// rules (netavark's DNAT) carry the diagnosis.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "whyno/model/engine_facts.hpp"
#include "whyno/engine/engine_source.hpp"
#include "whyno/util/result.hpp"

namespace whyno::engine {

inline constexpr const char* k_podman_storage = "/var/lib/containers/storage";
inline constexpr const char* k_podman_runroot = "/run/containers/storage";

/// overlay-containers/containers.json: one entry per container.
struct StoredContainer {
  std::string id;
  std::string name;
  std::string image;  // metadata's image-name, else the image id
  std::string created;
};
Result<std::vector<StoredContainer>> parse_storage_containers(std::string_view json);

/// The parts of a container's OCI spec (userdata/config.json) that matter.
struct OciSpec {
  bool network_namespace = false;  // false: it shares the host's (--network host)
  std::string netns_path;          // /run/netns/netns-<uuid>
  std::string hosts_path;          // the host file bind-mounted on /etc/hosts
  std::string hostname;
  bool libpod = false;  // annotation io.container.manager=libpod
};
Result<OciSpec> parse_oci_spec(std::string_view json);

/// A pidfile's decimal pid (no newline needed); nullopt when not one.
std::optional<int> parse_pidfile(std::string_view text);

/// podman's /etc/hosts for a container: its own addresses (the lines naming
/// `name`) and the gateway (host.containers.internal).
struct PodmanHosts {
  std::vector<IpAddress> own;
  std::optional<IpAddress> gateway;
};
PodmanHosts parse_podman_hosts(std::string_view text, std::string_view name);

/// aardvark-dns's file for one network: the gateway line, then
/// "ID IPV4S IPV6S NAME,ALIAS...,SHORTID" per container.
struct AardvarkEntry {
  std::string id;
  std::vector<IpAddress> addresses;
  std::vector<std::string> names;
};
struct AardvarkNetwork {
  std::optional<IpAddress> gateway;
  std::vector<AardvarkEntry> entries;
};
AardvarkNetwork parse_aardvark(std::string_view text);

/// /etc/containers/networks/NAME.json (netavark).
Result<Network> parse_netavark_network(std::string_view json);

/// podman's default network, which has no file: `podman`, 10.88.0.0/16 on podman0.
Network podman_default_network();

/// What the state reader looks at.
struct StateFiles {
  /// A file's contents; one sentence when absent or not to be read.
  std::function<Result<std::string>(const std::string&)> read;
  /// The names in a directory; empty when there is none.
  std::function<std::vector<std::string>(const std::string&)> list;
  /// Whether process `pid` exists.
  std::function<bool(int)> alive;
};
/// This host's files of the store `owner` keeps (root's: 0), each read by
/// sys::read_owned_file: a FIFO, a symlink the user planted or a file of
/// someone else's is not read, and says why.
StateFiles live_state_files(unsigned owner);

/// Where one podman keeps its state: root's, or a user's (rootless).
struct PodmanStore {
  std::string storage = k_podman_storage;             // graphroot: ~/.local/share/containers/storage rootless
  std::string runroot = k_podman_runroot;             // /run/user/UID/containers rootless
  std::string networks = "/etc/containers/networks";  // STORAGE/networks rootless
  std::string aardvark = "/run/containers/networks/aardvark-dns";  // RUNROOT/networks/aardvark-dns
  std::optional<unsigned> uid;                                     // rootless: the user's
};

/// The store of user `uid` whose home is `home` (podman's defaults, with no
/// XDG_DATA_HOME or storage.conf of the user's).
PodmanStore rootless_podman_store(unsigned uid, const std::string& home);

/// podman from its files: c/storage's container list (under the graph
/// driver's directory, which the database names), each container's files,
/// and its database (libpod/bolt_state.db: port bindings, network mode,
/// state and exit code). Without a readable database the bindings stay
/// unknown and say so in Engine::unread.
Result<Engine> read_podman_state(const StateFiles& files, const PodmanStore& store = {});

std::unique_ptr<EngineSource> open_podman_state(StateFiles files, PodmanStore store = {});

}  // namespace whyno::engine
