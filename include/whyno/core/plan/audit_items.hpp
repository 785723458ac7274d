#pragma once
// --all: the questions a whole-host check asks, one per port, taken from the
// facts alone. Each becomes an ordinary Query, diagnosed like a single one.

#include <optional>
#include <string>
#include <vector>

#include "whyno/model/audit.hpp"
#include "whyno/model/diagnosis.hpp"
#include "whyno/model/facts.hpp"
#include "whyno/model/query.hpp"

namespace whyno {

/// What --all covers: every container, or those --container / --project
/// name.
struct AuditScope {
  std::optional<std::string> container;  // a name, id or Compose service
  std::optional<std::string> project;    // a Compose project
};

/// Published ports of one container that --all checks; the rest are one
/// item that says so, and is inconclusive.
inline constexpr std::size_t k_max_checked_per_container = 1024;

/// The ports of the containers in `scope`, grouped by container (sorted by
/// name), each container's by port and protocol. A port published on
/// several addresses is one item per distinct address the client dials.
std::vector<AuditItem> audit_items(const Facts& facts, const AuditScope& scope);

/// The diagnosis of an item that stands for ports not checked: inconclusive.
Diagnosis not_checked_diagnosis(const AuditItem& item);

}  // namespace whyno
