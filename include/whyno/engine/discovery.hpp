#pragma once
// Which engines to read, found as users expect: --engine, else DOCKER_HOST,
// else the docker CLI's current context and every well-known socket (Docker
// and podman, rootful and rootless). What it looks at (environment, files,
// sockets) sits behind DiscoveryHost, so tests give it a made-up host.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "whyno/model/netns_facts.hpp"
#include "whyno/util/result.hpp"

namespace whyno::engine {

class DiscoveryHost {
 public:
  virtual ~DiscoveryHost() = default;

  /// The environment variable `name`; nullopt when unset.
  virtual std::optional<std::string> env(const std::string& name) const = 0;
  /// A small file's contents; nullopt when absent or unreadable.
  virtual std::optional<std::string> read_file(const std::string& path) const = 0;

  struct SocketFile {
    std::uint64_t device = 0;
    std::uint64_t inode = 0;
    unsigned owner = 0;  // uid
  };
  /// The unix socket at `path` (symlinks followed); nullopt when there is none.
  virtual std::optional<SocketFile> socket_at(const std::string& path) const = 0;
  /// The uids that have a /run/user/<uid> directory, ascending.
  virtual std::vector<unsigned> runtime_dir_uids() const = 0;
  /// Whether anything is at `path`.
  virtual bool exists(const std::string& path) const = 0;
  virtual bool is_root() const = 0;
  /// The effective uid.
  virtual unsigned uid() const = 0;
  /// User `uid`'s home directory (the password database); nullopt when unknown.
  virtual std::optional<std::string> home_of(unsigned uid) const = 0;
};

/// This host: getenv, /proc-free file reads, stat(2), /run/user, geteuid.
std::unique_ptr<DiscoveryHost> live_discovery_host();

/// One socket to read an engine on.
struct EngineEndpoint {
  std::string path;
  std::string origin;             // "--engine", "DOCKER_HOST", "docker context NAME", "default"
  std::optional<unsigned> owner;  // the socket's owner, when one is there
};

struct PodmanUserFiles {
  unsigned uid = 0;
  std::string home;
};

struct Discovery {
  std::vector<EngineEndpoint> endpoints;  // in the order they were looked for
  /// The user chose the engine (--engine, DOCKER_HOST): only it is read, and
  /// when it does not answer, nothing is diagnosed.
  bool chosen = false;
  /// What was found but cannot be read: a docker context over tcp://.
  std::vector<Unread> unusable;
  /// Rootful podman has state on disk (root only, not when the user chose):
  /// read from its files when no rootful podman API answers.
  bool podman_files = false;
  /// Users whose rootless podman has a database on disk
  /// (HOME/.local/share/containers/storage/libpod/bolt_state.db): root's
  /// view of every user with a runtime dir, or the user's own. Read when no
  /// podman API of that user answers.
  std::vector<PodmanUserFiles> podman_user_files;
  /// Every socket looked for, there or not, in order: what the error says
  /// when no engine is found at all.
  std::vector<std::string> looked_at;
};

inline constexpr const char* k_podman_containers_json =
    "/var/lib/containers/storage/overlay-containers/containers.json";

inline constexpr const char* k_default_docker_socket = "/var/run/docker.sock";
inline constexpr const char* k_rootful_podman_socket = "/run/podman/podman.sock";

/// Looks in this order: `engine_option` (--engine unix:///PATH or PATH);
/// DOCKER_HOST (unix:// only; tcp:// and ssh:// are Error::Kind::unsupported);
/// then, all together, the current docker context ($DOCKER_CONTEXT, or
/// currentContext of $DOCKER_CONFIG/config.json, default ~/.docker), and the
/// sockets /var/run/docker.sock, /run/podman/podman.sock,
/// $XDG_RUNTIME_DIR/docker.sock, $XDG_RUNTIME_DIR/podman/podman.sock and, for
/// root, every /run/user/UID/docker.sock and /run/user/UID/podman/podman.sock.
/// Well-known sockets that are not there are left out (the same socket twice,
/// by device and inode, once); with none there, /var/run/docker.sock is
/// tried anyway, so the error says what it always said. For root,
/// podman_files says whether k_podman_containers_json is there.
/// `user_engines` false (--no-user-engines): root leaves out every
/// /run/user socket and every user's podman files.
Result<Discovery> discover_engines(const DiscoveryHost& host, const std::optional<std::string>& engine_option,
                                   bool user_engines = true);

/// The lowercase hex SHA-256 of `data` (docker names a context's directory so).
std::string sha256_hex(std::string_view data);

}  // namespace whyno::engine
