#pragma once
// --all --metrics FILE: the answer in node exporter's textfile format, for
// fleets that already run Prometheus' node exporter
// (--collector.textfile.directory). Series and labels are a contract:
// whyno-port(1), METRICS.

#include <string>
#include <vector>

#include "whyno/model/audit.hpp"

namespace whyno::render {

/// What the run was: how long it took and when it ended.
struct RunFigures {
  double seconds = 0;
  long long ended_at = 0;  // seconds since the epoch
};

/// whyno_port_reachable per published port (container, project, host_ip,
/// host_port, protocol, verdict; 1 only when reachable), whyno_port_ports
/// by outcome, and the run's duration, end and success (1).
std::string metrics_text(const std::vector<AuditEntry>& entries, const RunFigures& run);

/// A run that could not inspect the host (exit status 2 or 3): the run's
/// series alone, whyno_port_run_success 0.
std::string failed_run_metrics_text(const RunFigures& run);

}  // namespace whyno::render
