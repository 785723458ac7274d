#pragma once
// Reads this host's facts for a query, checking first that it can: the
// capabilities, then the engine and the kernel, through gather().

#include <expected>
#include <optional>
#include <string>

#include "whyno/core/facts.hpp"
#include "whyno/core/query.hpp"
#include "whyno/gather/gather.hpp"

namespace whyno::gather {

/// `engine_option` is --engine (unix:///PATH or PATH): then that engine
/// alone is read; else every engine discovery finds (engine/discovery.hpp).
std::expected<Facts, ReadFailure> read_host(const Query& query,
                                           const std::optional<std::string>& engine_option = std::nullopt);

}  // namespace whyno::gather
