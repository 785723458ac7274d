#pragma once
// The JSON output: one object per run. Its schema is documented in the man
// page (JSON OUTPUT) and README; field names are a contract.

#include <ostream>

#include <nlohmann/json.hpp>

#include "whyno/model/diagnosis.hpp"
#include "whyno/model/query.hpp"

namespace whyno::render {

constexpr int k_json_schema_version = 1;

nlohmann::ordered_json to_json(const Query& query, const Diagnosis& diagnosis);
void render_json(std::ostream& out, const Query& query, const Diagnosis& diagnosis);

}  // namespace whyno::render
