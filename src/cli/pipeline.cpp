#include "pipeline.hpp"

#include <chrono>
#include <expected>
#include <iostream>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "all_ports.hpp"
#include "exit_status.hpp"
#include "replay.hpp"
#include "terminal.hpp"
#include "whyno/core/paths/diagnose.hpp"
#include "whyno/core/plan/query_check.hpp"
#include "whyno/gather/read_host.hpp"
#include "whyno/probe/run_probe.hpp"
#include "whyno/render/json.hpp"
#include "whyno/render/metrics.hpp"
#include "whyno/render/text.hpp"
#include "whyno/snapshot/snapshot.hpp"
#include "whyno/sys/atomic_file.hpp"
#include "whyno/util/phase_timings.hpp"

namespace whyno::cli {

namespace {

using Clock = std::chrono::steady_clock;

/// Why there is no answer: one sentence and the exit status it means.
struct Failure {
  int status = k_exit_cannot_inspect;
  std::string message;
};

std::expected<snapshot::Snapshot, Failure> read_snapshot(const Options& options) {
  auto loaded = load_snapshot_file(*options.replay);
  if (!loaded) {
    return std::unexpected(Failure{k_exit_usage, loaded.error().message});
  }
  auto replayed = replay(std::move(*loaded), options);
  if (!replayed) {
    return std::unexpected(Failure{k_exit_usage, replayed.error().message});
  }
  return std::move(*replayed);
}

std::expected<snapshot::Snapshot, Failure> read_this_host(const Options& options) {
  snapshot::Snapshot snap;
  snap.query = options.query;
  snap.all = options.all;
  snap.project = options.project;
  // Connections are counted for the probe's proof by arrival: one TCP port.
  const gather::ReadPlan plan{options.probe && !options.all && snap.query.protocol == Protocol::tcp,
                              options.probe && !options.all};
  auto facts = gather::read_host(snap.query, {options.engine, options.user_engines, options.host_root}, plan);
  if (!facts) {
    return std::unexpected(
        Failure{facts.error().kind == gather::ReadFailure::Kind::usage ? k_exit_usage : k_exit_cannot_inspect,
                facts.error().message});
  }
  snap.facts = std::move(*facts);
  if (snap.all && snap.project && snap.facts.engine) {
    if (auto problem = unknown_project(*snap.project, *snap.facts.engine)) {
      return std::unexpected(Failure{k_exit_usage, std::move(*problem)});
    }
  }
  return snap;
}

/// Tries the connections the clients would make, after every fact is read.
void probe(snapshot::Snapshot& snap, const Options& options) {
  const PhaseTimer timer(Phase::probe);
  if (snap.all) {
    snap.probes = probe_all_ports(snap, options);
  } else {
    snap.probe = probe::probe_result(snap.query, snap.facts, options.probe, options.probe_timeout);
    // A connection completed: did it arrive at the app (one more connection
    // on its port), and did the app accept it (it waits in the accept queue
    // until then, even once closed)?
    using Outcome = ProbeResult::Outcome;
    if (snap.probe && snap.query.protocol == Protocol::tcp &&
        (snap.probe->outcome == Outcome::connected || snap.probe->outcome == Outcome::answered ||
         snap.probe->outcome == Outcome::reset_or_closed)) {
      snap.probe->listeners_after = gather::read_listeners_after_probe(snap.facts);
    }
  }
}

int answer_one(const snapshot::Snapshot& snap, const Options& options) {
  const PhaseTimer timer(Phase::answer);
  const Diagnosis diagnosis = diagnose(snap.query, snap.facts, snap.probe);
  if (options.json) {
    render::render_json(std::cout, snap.query, diagnosis);
  } else {
    render::render_text(std::cout, snap.query, diagnosis, text_style(options.color));
  }
  std::cout.flush();
  return exit_status(diagnosis.verdict);
}

/// --metrics FILE: node exporter's textfile, written whole or not at all.
int write_metrics(const Options& options, const std::string& text, int status) {
  if (auto written = sys::write_file_atomically(*options.metrics, text, 0644); !written) {
    return complain(k_exit_usage, written.error().message, options.json);
  }
  return status;
}

render::RunFigures run_figures(Clock::time_point started) {
  return {
      std::chrono::duration<double>(Clock::now() - started).count(),
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count()};
}

int answer_timed(const Options& options, Clock::time_point started) {
  auto snap = options.replay ? read_snapshot(options) : read_this_host(options);
  if (!snap) {
    const int status = complain(snap.error().status, snap.error().message, options.json);
    return options.metrics
               ? write_metrics(options, render::failed_run_metrics_text(run_figures(started)), status)
               : status;
  }
  if (!options.replay) {
    probe(*snap, options);
  }
  if (options.save_facts) {
    // Facts may name other users' containers and processes: 0600.
    if (auto saved = sys::write_file_atomically(*options.save_facts, snapshot::save(*snap), 0600); !saved) {
      return complain(k_exit_usage, saved.error().message, options.json);
    }
  }
  if (!snap->all) {
    return answer_one(*snap, options);
  }
  std::optional<PhaseTimer> timer(Phase::answer);
  const std::vector<AuditEntry> entries = diagnose_all_ports(*snap);
  const int status = answer_all_ports(*snap, entries, options);
  timer.reset();
  return options.metrics ? write_metrics(options, render::metrics_text(entries, run_figures(started)), status)
                         : status;
}

}  // namespace

int answer(const Options& options) {
  const Clock::time_point started = Clock::now();
  const int status = answer_timed(options, started);
  if (timings_wanted()) {
    std::cerr << timings_line(Clock::now() - started) << '\n';
  }
  return status;
}

}  // namespace whyno::cli
