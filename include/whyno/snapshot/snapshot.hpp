#pragma once
// A facts snapshot: everything a diagnosis read, as JSON. Saved with
// --save-facts, replayed with --replay; tests/fixtures/snapshots holds
// snapshots recorded from real scenarios for the diagnosis unit tests.

#include <cstddef>
#include <string>
#include <string_view>
#include <optional>
#include <vector>

#include "whyno/model/facts.hpp"
#include "whyno/model/query.hpp"
#include "whyno/util/result.hpp"

namespace whyno::snapshot {

/// What one item's probe saw, in an --all snapshot: the item's question
/// names it (audit_items gives the same items from the same facts).
struct ItemProbe {
  Query query;
  ProbeResult result;
};

struct Snapshot {
  Query query;  // the question; for --all, its scope (--container)
  /// --all: every port of the host (or of `project`), each probed.
  bool all = false;
  std::optional<std::string> project;
  Facts facts;
  /// What the question's own probe saw; nullopt when none was planned.
  /// Kept beside the facts: the facts are what was read, the probe what a
  /// connection did after.
  std::optional<ProbeResult> probe;
  std::vector<ItemProbe> probes;  // --all
};

/// Like the cap on engine answers: far above a real snapshot (300 containers
/// take about 5 MiB), low enough that a hostile file cannot exhaust memory.
constexpr std::size_t k_max_snapshot_bytes = std::size_t{64} << 20;

std::string save(const Snapshot& snapshot);

/// Parses a snapshot, checking every field: wrong types, integers out of
/// range, unknown enum names, bad addresses or prefixes, nesting deeper than
/// 64 levels and documents over k_max_snapshot_bytes are errors with one
/// sentence, never an exception or an abort.
Result<Snapshot> load(std::string_view json);

}  // namespace whyno::snapshot
