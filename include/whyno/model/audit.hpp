#pragma once
// --all's answer: one item per port, each with the diagnosis a single query
// about it gets, and how they add up (core/plan/audit_items.hpp picks them).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "whyno/model/diagnosis.hpp"
#include "whyno/model/query.hpp"

namespace whyno {

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
  std::string project;  // its Compose project, "" for none
  std::string host_ip;  // the binding's, "" for every address
  /// More than 0: not a port checked, but the count of this container's
  /// published ports beyond what --all checks of one container
  /// (core/plan/audit_items.hpp), from query.port on. A user's engine may
  /// claim every port of the host; checking 131,072 of them takes minutes.
  std::size_t not_checked = 0;
};

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
