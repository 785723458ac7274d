#pragma once
// Whether a question fits the host before it is diagnosed: the containers it
// names exist (or are near a name that does: did you mean ...?), a --from
// container runs, a --project is one of the host's. The same checks for a
// live host and for a replayed snapshot.

#include <optional>
#include <string>

#include "whyno/model/engine_facts.hpp"
#include "whyno/model/query.hpp"

namespace whyno {

/// Why the question does not fit, in one sentence.
struct QueryProblem {
  enum class Kind {
    usage,           // it names something that does not exist (exit status 2)
    cannot_inspect,  // a --from container that is not running (exit status 3)
  };
  Kind kind = Kind::usage;
  std::string message;
};

/// The containers the query names must exist, and a --from container must
/// run: nullopt when they do.
std::optional<QueryProblem> check_query(const Query& query, const Engine& engine);

/// --project names no project on this host: one sentence, with the
/// projects it is close to; nullopt when it names one.
std::optional<std::string> unknown_project(const std::string& project, const Engine& engine);

}  // namespace whyno
