#include "whyno/render/metrics.hpp"

#include <fmt/format.h>

#include "whyno/util/printable.hpp"

namespace whyno::render {

namespace {

/// A label value as the text format wants it: printable (a name from an
/// engine may hold anything), then \, " and newline escaped.
std::string label_value(std::string_view text) {
  std::string out;
  for (const char c : printable(text)) {
    if (c == '\\' || c == '"') {
      out += '\\';
    }
    out += c == '\n' ? std::string("\\n") : std::string(1, c);
  }
  return out;
}

std::string header(std::string_view name, std::string_view help) {
  return fmt::format("# HELP {} {}\n# TYPE {} gauge\n", name, help, name);
}

std::string run_series(const RunFigures& run, bool success) {
  return header("whyno_port_run_duration_seconds", "How long the whole run took.") +
         fmt::format("whyno_port_run_duration_seconds {:.3f}\n", run.seconds) +
         header("whyno_port_run_timestamp_seconds", "When the run ended, in seconds since the epoch.") +
         fmt::format("whyno_port_run_timestamp_seconds {}\n", run.ended_at) +
         header("whyno_port_run_success",
                "1 when the host could be inspected, 0 when the run failed (exit status 2 or 3).") +
         fmt::format("whyno_port_run_success {}\n", success ? 1 : 0);
}

}  // namespace

std::string metrics_text(const std::vector<AuditEntry>& entries, const RunFigures& run) {
  std::string out = header("whyno_port_reachable",
                           "1 when whyno-port found the published port reachable, 0 when broken or "
                           "inconclusive.");
  std::size_t reachable = 0;
  std::size_t broken = 0;
  std::size_t inconclusive = 0;
  for (const AuditEntry& e : entries) {
    if (e.item.kind != AuditItem::Kind::published) {
      continue;  // a port nobody publishes is no series: it serves its networks
    }
    const bool ok = e.diagnosis.verdict == Verdict::reachable;
    if (ok) {
      ++reachable;
    } else if (is_broken(e)) {
      ++broken;
    } else {
      ++inconclusive;
    }
    out += fmt::format(
        "whyno_port_reachable{{container=\"{}\",project=\"{}\",host_ip=\"{}\",host_port=\"{}\","
        "protocol=\"{}\",verdict=\"{}\"}} {}\n",
        label_value(e.item.container_name), label_value(e.item.project), label_value(e.item.host_ip),
        e.item.query.port, to_string(e.item.query.protocol), code(e.diagnosis.verdict), ok ? 1 : 0);
  }
  out += header("whyno_port_ports", "Published ports checked, by outcome.");
  out += fmt::format("whyno_port_ports{{outcome=\"reachable\"}} {}\n", reachable);
  out += fmt::format("whyno_port_ports{{outcome=\"broken\"}} {}\n", broken);
  out += fmt::format("whyno_port_ports{{outcome=\"inconclusive\"}} {}\n", inconclusive);
  return out + run_series(run, true);
}

std::string failed_run_metrics_text(const RunFigures& run) { return run_series(run, false); }

}  // namespace whyno::render
