#pragma once
// A facts snapshot: everything a diagnosis read, as JSON. Saved with
// --save-facts, replayed with --replay; tests/fixtures/snapshots holds
// snapshots recorded from real scenarios for the diagnosis unit tests.

#include <cstddef>
#include <string>
#include <string_view>

#include "whyno/model/facts.hpp"
#include "whyno/model/query.hpp"
#include "whyno/util/result.hpp"

namespace whyno::snapshot {

struct Snapshot {
  Query query;
  Facts facts;
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
