#pragma once
// The JSON output: one object per run. Its schema is documented in the man
// page (JSON OUTPUT) and README; field names are a contract.

#include <ostream>
#include <string_view>

#include <nlohmann/json.hpp>

#include "whyno/model/diagnosis.hpp"
#include "whyno/model/query.hpp"

namespace whyno::render {

constexpr int k_json_schema_version = 1;

nlohmann::ordered_json to_json(const Query& query, const Diagnosis& diagnosis);
void render_json(std::ostream& out, const Query& query, const Diagnosis& diagnosis);

/// With --json, a run that ends without an answer still prints one object:
/// {"schema": 1, "ok": false, "verdict": null, "error": {"message": ...,
/// "exit_status": N}}.
void render_error_json(std::ostream& out, std::string_view message, int exit_status);

}  // namespace whyno::render
