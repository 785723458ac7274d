#pragma once
// --all: the questions a whole-host check asks, one per port, taken from the
// facts alone. Each becomes an ordinary Query, diagnosed like a single one.

#include <optional>
#include <string>
#include <vector>

#include "whyno/core/diagnosis.hpp"
#include "whyno/core/facts.hpp"
#include "whyno/core/query.hpp"

namespace whyno {

/// What --all covers: every container, or those --container / --project
/// name.
struct AuditScope {
  std::optional<std::string> container;  // a name, id or Compose service
  std::optional<std::string> project;    // a Compose project
};

/// One port to check.
struct AuditItem {
  enum class Kind : std::uint8_t {
    published,    // a host port the engine publishes (or means to)
    unpublished,  // a port the container listens on or EXPOSEs, with no host port
  };
  Kind kind = Kind::published;
  Query query;
  std::string container_id;
  std::string container_name;
  std::string host_ip;  // the binding's, "" for every address
  /// More than 0: not a port checked, but the count of this container's
  /// published ports beyond k_max_checked_per_container, from query.port
  /// on. A user's engine may claim every port of the host; checking
  /// 131,072 of them would take minutes.
  std::size_t not_checked = 0;
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

/// An item and its diagnosis.
struct AuditEntry {
  AuditItem item;
  Diagnosis diagnosis;
};

struct AuditTally {
  std::size_t published = 0;
  std::size_t broken = 0;        // published, and not reachable
  std::size_t inconclusive = 0;  // published, and a hop could not be read
  std::size_t unpublished = 0;   // listens or EXPOSEs only
};

/// A port published and not reachable is broken; one that is only
/// listened on is not (it serves its networks), whatever its verdict.
bool is_broken(const AuditEntry& entry);

AuditTally tally(const std::vector<AuditEntry>& entries);

/// The verdict that decides --all's exit status: the first broken entry's;
/// else inconclusive when any published port is; else reachable.
Verdict audit_verdict(const std::vector<AuditEntry>& entries);

}  // namespace whyno
