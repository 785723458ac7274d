#pragma once
// Reads this host's facts for a query, checking first that it can: the
// capabilities, the engine, the containers the user named.

#include <expected>
#include <string>

#include "whyno/core/facts.hpp"
#include "whyno/core/query.hpp"

namespace whyno::gather {

struct ReadFailure {
  enum class Kind {
    usage,           // the query names something that does not exist
    cannot_inspect,  // privileges, the engine, a client that is not running
  };
  Kind kind = Kind::cannot_inspect;
  std::string message;  // one sentence
};

std::expected<Facts, ReadFailure> read_host(const Query& query);

}  // namespace whyno::gather
