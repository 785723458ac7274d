#pragma once
// What a diagnosis needs from a container engine, behind one narrow
// interface (as ninja's DiskInterface or bpftrace's KernelInfo): the real one
// talks to the Engine API over its unix socket, and tests replay recorded
// data (tests/unit/fake_sources.hpp).

#include <memory>
#include <optional>
#include <string>

#include "whyno/core/engine_facts.hpp"
#include "whyno/util/result.hpp"

namespace whyno::engine {

class EngineSource {
 public:
  virtual ~EngineSource() = default;

  /// The engine's identity, every container (inspected), its networks and
  /// its daemon settings, read together. One sentence on failure.
  virtual Result<Engine> read() = 0;

  /// One container read again, when what the kernel showed no longer fits
  /// what the engine said (its PID vanished, it restarted): nullopt when the
  /// container no longer exists.
  virtual Result<std::optional<Container>> inspect(const std::string& id) = 0;
};

inline constexpr const char* k_default_docker_socket = "/var/run/docker.sock";

/// Where the engine listens: DOCKER_HOST if set (only unix:// is supported:
/// any other scheme -> Error::Kind::unsupported), else /var/run/docker.sock.
/// `docker_host` is the value of the DOCKER_HOST environment variable or
/// nullptr; an empty value counts as unset, as it does for the Docker CLI.
Result<std::string> engine_socket_path(const char* docker_host);

/// The Engine API (Docker or podman's compatible API) at `socket_path`.
/// `read_info` asks GET /info too (warnings, firewall backend), which costs
/// dockerd a fork of runc.
std::unique_ptr<EngineSource> open_engine_api(std::string socket_path, bool read_info);

}  // namespace whyno::engine
