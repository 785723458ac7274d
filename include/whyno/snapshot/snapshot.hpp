#pragma once
// A facts snapshot: everything a diagnosis read, as JSON. Saved with
// --save-facts, replayed with --replay; tests/fixtures/snapshots holds
// snapshots recorded from real scenarios for the diagnosis unit tests.

#include <string>
#include <string_view>

#include "whyno/core/facts.hpp"
#include "whyno/core/query.hpp"
#include "whyno/util/result.hpp"

namespace whyno::snapshot {

struct Snapshot {
  Query query;
  Facts facts;
};

std::string save(const Snapshot& snapshot);
Result<Snapshot> load(std::string_view json);

}  // namespace whyno::snapshot
