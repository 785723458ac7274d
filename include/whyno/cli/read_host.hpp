#pragma once
// Reads this host's facts for a query, checking first that it can: the
// capabilities, the engine, the containers the user named.

#include <expected>
#include <string>

#include "whyno/core/facts.hpp"
#include "whyno/core/query.hpp"

namespace whyno::cli {

struct ReadFailure {
  int exit_status = 3;
  std::string message;  // one sentence
};

std::expected<Facts, ReadFailure> read_host(const Query& query);

}  // namespace whyno::cli
