#pragma once
// What a diagnosis needs from a container engine, behind one narrow
// interface (as ninja's DiskInterface or bpftrace's KernelInfo): the real one
// talks to the Engine API over its unix socket, and tests replay recorded
// data (tests/unit/fake_sources.hpp).

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "whyno/model/engine_facts.hpp"
#include "whyno/engine/discovery.hpp"
#include "whyno/util/result.hpp"

namespace whyno::engine {

/// Which containers of an engine's list to inspect, asked once the list and
/// the networks are in: `listed` holds the engine's identity, its networks
/// and its containers as the list shows them (Container::inspected false).
/// The ids to inspect; nullopt for every container. It may be called from
/// several threads at once (one per engine).
using InspectChoice = std::function<std::optional<std::set<std::string>>(const Engine& listed)>;

class EngineSource {
 public:
  virtual ~EngineSource() = default;

  /// The engine's identity, its containers, its networks and its daemon
  /// settings, read together: the containers `choose` picks (every one when
  /// it is empty) inspected, the others as the list shows them. One sentence
  /// on failure.
  virtual Result<Engine> read(const InspectChoice& choose) = 0;

  /// The same, every container inspected.
  Result<Engine> read() { return read(InspectChoice{}); }

  /// One container read again, when what the kernel showed no longer fits
  /// what the engine said (its PID vanished, it restarted): nullopt when the
  /// container no longer exists.
  virtual Result<std::optional<Container>> inspect(const std::string& id) = 0;
};

/// The Engine API (Docker or podman's compatible API) at `socket_path`.
/// `read_info` asks GET /info too (warnings, firewall backend), which costs
/// dockerd a fork of runc.
std::unique_ptr<EngineSource> open_engine_api(std::string socket_path, bool read_info);

/// Every engine `discovery` found, read at once and merged into one Engine:
/// each container and network keeps its engine's endpoint, Engine::engines
/// names each engine. Engines that fail while others answer are
/// Engine::unread, and so is what discovery found unusable; when none
/// answers, the error is the first engine's (with the others named).
/// inspect(id) asks the engine that reported `id`.
std::unique_ptr<EngineSource> open_engines(const Discovery& discovery, bool read_info);

/// podman's state on disk (engine/podman_state.hpp) for one user, read only
/// when no podman API of that user answered.
struct EngineFiles {
  std::unique_ptr<EngineSource> source;
  unsigned uid = 0;  // 0: rootful podman
  std::string path;  // its storage, for messages
};

/// The same over given sources, one per endpoint (tests pass fakes).
/// `podman_files`, when given, is rootful podman's files.
std::unique_ptr<EngineSource> merge_engines(std::vector<EngineEndpoint> endpoints,
                                            std::vector<std::unique_ptr<EngineSource>> sources,
                                            std::vector<Unread> unusable,
                                            std::unique_ptr<EngineSource> podman_files = nullptr);
std::unique_ptr<EngineSource> merge_engines(std::vector<EngineEndpoint> endpoints,
                                            std::vector<std::unique_ptr<EngineSource>> sources,
                                            std::vector<Unread> unusable, std::vector<EngineFiles> files);

}  // namespace whyno::engine
