#pragma once
// The path of a client in a container, --from CONTAINER (container_path.cpp).

#include "whyno/core/diagnosis.hpp"
#include "whyno/core/facts.hpp"
#include "whyno/core/query.hpp"

namespace whyno::detail {

Diagnosis diagnose_from_container(const Query& query, const Facts& facts);

}  // namespace whyno::detail
