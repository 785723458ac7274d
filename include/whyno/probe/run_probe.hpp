#pragma once
// Runs the active probe the core planned, after the facts are read, so the
// probe's own connection cannot change what was read.

#include <chrono>

#include "whyno/model/facts.hpp"
#include "whyno/model/query.hpp"

namespace whyno::probe {

/// What the client's connection for `query` saw, or why none was tried.
/// Reads `facts` only, so several can run at once (--all).
ProbeResult probe_result(const Query& query, const Facts& facts, bool enabled,
                         std::chrono::milliseconds timeout);

}  // namespace whyno::probe
