#pragma once
// The path of a client in a container, --from CONTAINER (container_path.cpp).

#include "whyno/model/diagnosis.hpp"
#include "whyno/model/facts.hpp"
#include "whyno/model/query.hpp"

namespace whyno::detail {

Diagnosis diagnose_from_container(const Query& query, const Facts& facts);

}  // namespace whyno::detail
