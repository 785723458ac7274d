#pragma once
// Reads this host's facts for a query, checking first that it can: the
// capabilities, then the engine and the kernel, through gather().

#include <expected>
#include <optional>
#include <string>

#include "whyno/model/facts.hpp"
#include "whyno/model/query.hpp"
#include "whyno/gather/gather.hpp"

namespace whyno::gather {

/// Which engines to read.
struct EngineChoice {
  /// --engine (unix:///PATH or PATH): that engine alone; else every engine
  /// discovery finds (engine/discovery.hpp).
  std::optional<std::string> engine;
  /// false (--no-user-engines): root reads root's engines only.
  bool user_engines = true;
  /// --host-root: where the host's root filesystem is mounted (kubectl debug
  /// node: /host); "" for /. kernel::live_namespace_reader says what is read there.
  std::string host_root;
};

/// `query`'s --from NAMESPACE/POD is resolved in place first
/// (resolve_pod_client): the client becomes the pod's address.
std::expected<Facts, ReadFailure> read_host(Query& query, const EngineChoice& engines = {},
                                            const ReadPlan& plan = {});

/// listeners_now() with this host's kernel.
std::vector<ListenerAfterProbe> read_listeners_after_probe(const Facts& facts);

}  // namespace whyno::gather
