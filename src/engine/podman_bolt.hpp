#pragma once
// What podman 4 keeps only in its database (libpod/bolt_state.db, read
// through boltdb.hpp): each container's port mappings, network mode, state,
// PID and exit code, and where its storage lives. Recorded layout (podman
// 4.3.1): bucket "ctr" holds a bucket per container id with "config" (JSON:
// name, networkMode, newPortMappings [{host_ip, container_port, host_port,
// range, protocol}], rootfsImageName) and "state" (JSON: state, pid,
// exitCode, oomKilled, startedTime, finishedTime); bucket "runtime-config"
// holds graph-driver-name, graph-root and run-root.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "whyno/model/engine_facts.hpp"
#include "whyno/util/result.hpp"

namespace whyno::engine {

struct BoltContainer {
  std::string id;
  std::string name;
  std::string image;
  std::string network_mode;           // "slirp4netns", "bridge", "host", ...
  std::vector<PortBinding> bindings;  // newPortMappings, one per port of a range
  ContainerState state;               // status in Docker's words
};

struct PodmanBolt {
  std::string graph_driver;  // "overlay", "vfs"
  std::string graph_root;
  std::string run_root;
  std::vector<BoltContainer> containers;
  /// More bindings than k_max_bindings (or a container's own cap) were
  /// mapped: the rest are left out.
  bool bindings_capped = false;
};

/// However many ports a container maps (a range of 65535, both protocols),
/// this many bindings are kept: the ports a host can have, twice.
inline constexpr std::size_t k_max_bindings_per_container = std::size_t{2} * 65536;

/// Port bindings kept of one database: every port of a host, both
/// protocols, twice over. Ranges are expanded, so a hostile file's
/// 100 mappings of "range": 65535 stop here.
inline constexpr std::size_t k_max_bindings = std::size_t{4} * 65536;

/// A container that cannot be parsed is left out; a file that is not a
/// BoltDB, has no "ctr" bucket, or whose buckets share pages or values so
/// that reading it would cost many times its size (a hostile file), fails.
Result<PodmanBolt> parse_podman_bolt(std::span<const std::byte> file);

/// libpod's ContainerStatus (define/containerstate.go) in Docker's words:
/// 1 configured and 2 created are "created", 3 "running", 4 stopped and 6
/// exited are "exited", 5 "paused", 7 "removing", 8 stopping is "running".
std::string podman_status_name(int state);

}  // namespace whyno::engine
