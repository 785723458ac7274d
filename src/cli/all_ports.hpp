#pragma once
// --all (and no PORT): every port of every container, read once, probed in
// parallel within one time budget, diagnosed one by one as single
// questions are (core/plan/audit_items.hpp picks the ports).

#include <vector>

#include "options.hpp"
#include "whyno/snapshot/snapshot.hpp"

namespace whyno::cli {

/// What each port's probe saw: a bounded pool (16 at once, 10 s in all),
/// with a progress line on a terminal.
std::vector<snapshot::ItemProbe> probe_all_ports(const snapshot::Snapshot& snap, const Options& options);

/// Diagnoses every port with the probe recorded for it, prints the list
/// (text or JSON) and returns the exit status.
int answer_all_ports(const snapshot::Snapshot& snap, const Options& options);

}  // namespace whyno::cli
