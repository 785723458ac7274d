#pragma once
// When nothing publishes the host port (unpublished.cpp).

#include "walk.hpp"
#include "whyno/model/facts.hpp"
#include "whyno/model/query.hpp"

namespace whyno::detail {

/// Explains "nothing publishes this host port" as a failed hop: names the
/// container the user most likely meant and how to publish it.
void explain_unpublished(const Query& query, const Facts& facts, Walk& walk);

}  // namespace whyno::detail
