#pragma once
// --all (and no PORT): every port of every container, read once, probed in
// parallel within one time budget, diagnosed one by one as single
// questions are (core/plan/audit_items.hpp picks the ports).

#include <vector>

#include "options.hpp"
#include "whyno/model/audit.hpp"
#include "whyno/snapshot/snapshot.hpp"

namespace whyno::cli {

/// What each port's probe saw: a bounded pool (16 at once, 10 s in all),
/// with a progress line on a terminal.
std::vector<snapshot::ItemProbe> probe_all_ports(const snapshot::Snapshot& snap, const Options& options);

/// Every port diagnosed with the probe recorded for it.
std::vector<AuditEntry> diagnose_all_ports(const snapshot::Snapshot& snap);

/// Prints the list (text or JSON); returns the exit status.
int answer_all_ports(const snapshot::Snapshot& snap, const std::vector<AuditEntry>& entries,
                     const Options& options);

}  // namespace whyno::cli
