#pragma once
// Reads this host's facts for a query, checking first that it can: the
// capabilities, then the engine and the kernel, through gather().

#include <expected>

#include "whyno/core/facts.hpp"
#include "whyno/core/query.hpp"
#include "whyno/gather/gather.hpp"

namespace whyno::gather {

std::expected<Facts, ReadFailure> read_host(const Query& query);

}  // namespace whyno::gather
