#pragma once
// What a diagnosis needs from a container engine, behind one narrow
// interface (as ninja's DiskInterface or bpftrace's KernelInfo): the real one
// talks to the Engine API over its unix socket, and tests replay recorded
// data (tests/unit/fake_sources.hpp).

#include <cstdint>
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

/// Which of the listed containers to inspect: their ids, or nullopt for
/// every one. Picked by a pure planner (core/plan/involved.hpp) from the
/// list and the host's rules, between list() and finish().
using InspectIds = std::optional<std::set<std::string>>;

/// What a question about one port can start from instead of every
/// container (docker ps --filter): those that publish the port, those not
/// running (their bindings are not listed), and those on the host's network
/// or none. narrowed_list_suffices (core/plan/involved.hpp) decides whether
/// they are enough; if not, the whole list is read.
struct ListFilter {
  std::uint16_t publish = 0;
  Protocol protocol = Protocol::tcp;
};

/// Reading is planned, then done: list() begins the conversation, the
/// caller plans from what it gives, finish() inspects what was planned.
class EngineSource {
 public:
  virtual ~EngineSource() = default;

  /// The engine's identity, its networks and its containers as its list
  /// shows them (Container::inspected false). The conversation stays open
  /// for finish(). One sentence on failure.
  virtual Result<Engine> list() = 0;

  /// As list(), but only what `filter` matches (Engine::narrowed), where the
  /// engine can filter: Docker's API, one engine alone. Others list all.
  virtual Result<Engine> list_narrowed(const ListFilter& /*filter*/) { return list(); }

  /// After list(): the containers `ids` inspected, the others as listed,
  /// and the daemon's settings. One sentence on failure.
  virtual Result<Engine> finish(const InspectIds& ids) = 0;

  /// Both, every container inspected.
  Result<Engine> read() {
    WHYNO_TRY(list());
    return finish(std::nullopt);
  }

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
                                            std::vector<Unread> unusable, std::vector<EngineFiles> files,
                                            std::vector<std::string> looked_at = {});

}  // namespace whyno::engine
