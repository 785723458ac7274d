#pragma once
// Runs the active probe the core planned, after the facts are read, so the
// probe's own connection cannot change what was read.

#include <chrono>

#include "whyno/core/facts.hpp"
#include "whyno/core/query.hpp"

namespace whyno::probe {

/// Sets facts.probe: what the client's connection saw, or why none was tried.
void run_probe(const Query& query, Facts& facts, bool enabled, std::chrono::milliseconds timeout);

}  // namespace whyno::probe
