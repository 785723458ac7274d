#include "audit_run.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "exit_status.hpp"
#include "terminal.hpp"
#include "whyno/core/plan/audit_items.hpp"
#include "whyno/core/plan/query_check.hpp"
#include "whyno/core/paths/diagnose.hpp"
#include "whyno/core/plan/container_lookup.hpp"
#include "whyno/gather/read_host.hpp"
#include "whyno/probe/run_probe.hpp"
#include "whyno/render/audit.hpp"
#include "whyno/util/printable.hpp"
#include "whyno/util/words.hpp"

namespace whyno::cli {

namespace {

using Clock = std::chrono::steady_clock;

// Probes at once: each is one connect(2) and a short read, so the bound is
// for the open sockets, not for the CPU.
constexpr std::size_t k_max_probe_workers = 16;
// However many ports there are, probing them all takes at most this long;
// a probe not started by then is skipped and says why.
constexpr std::chrono::seconds k_probe_budget{10};
// A run shorter than this shows no progress line.
constexpr std::chrono::milliseconds k_progress_after{1000};

/// "checking 120/300 ports" on stderr, only on a terminal and only once the
/// run has taken a second; erased when done.
class Progress {
 public:
  explicit Progress(bool enabled) : m_enabled(enabled), m_started(Clock::now()) {}
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  ~Progress() { clear(); }

  void show(std::size_t done, std::size_t total) {
    if (!m_enabled || Clock::now() - m_started < k_progress_after) {
      return;
    }
    const std::lock_guard lock(m_mutex);
    std::cerr << fmt::format("\rwhyno-port: probing {}/{} ports\033[K", done, total) << std::flush;
    m_shown = true;
  }

  void clear() {
    const std::lock_guard lock(m_mutex);
    if (m_shown) {
      std::cerr << "\r\033[K" << std::flush;
      m_shown = false;
    }
  }

 private:
  bool m_enabled;
  Clock::time_point m_started;
  std::mutex m_mutex;
  bool m_shown = false;
};

/// The probe of every item, run by a bounded pool within k_probe_budget.
std::vector<ProbeResult> probe_all(const std::vector<AuditItem>& items, const Facts& facts,
                                   const Options& options, Progress& progress) {
  std::vector<ProbeResult> results(items.size());
  const auto deadline = Clock::now() + k_probe_budget;
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> done{0};
  const auto work = [&] {
    for (std::size_t i = next++; i < items.size(); i = next++) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (items[i].not_checked > 0) {
        results[i].outcome = ProbeResult::Outcome::skipped;
        results[i].detail = "not probed: more ports than --all checks of one container";
      } else if (left <= std::chrono::milliseconds{0}) {
        results[i].outcome = ProbeResult::Outcome::skipped;
        results[i].detail = fmt::format("not probed: --all probes for {} s at most",
                                        k_probe_budget.count());
      } else {
        results[i] = probe::probe_result(items[i].query, facts, options.probe,
                                         std::min(options.probe_timeout, left));
      }
      progress.show(++done, items.size());
    }
  };
  const std::size_t workers = std::min(k_max_probe_workers, items.size());
  std::vector<std::jthread> pool;
  for (std::size_t w = 0; w < workers; ++w) {
    pool.emplace_back(work);
  }
  pool.clear();  // joins
  return results;
}

}  // namespace

int run_audit(const Options& options) {
  Query query = options.query;  // --container is checked like a single query's
  auto facts = gather::read_host(query, {options.engine, options.user_engines});
  if (!facts) {
    return complain(facts.error().kind == gather::ReadFailure::Kind::usage ? k_exit_usage
                                                                          : k_exit_cannot_inspect,
                    facts.error().message);
  }
  if (options.project && facts->engine) {
    if (auto problem = unknown_project(*options.project, *facts->engine)) {
      return complain(k_exit_usage, *problem);
    }
  }
  const AuditScope scope{options.query.container, options.project};
  const std::vector<AuditItem> items = audit_items(*facts, scope);

  std::vector<ProbeResult> probes;
  {
    Progress progress(!options.json && isatty(STDERR_FILENO) == 1);
    probes = probe_all(items, *facts, options, progress);
  }
  std::vector<Unread> unread = facts->unread;
  if (facts->engine) {
    for (const NotBelieved& n : facts->engine->not_believed) {
      unread.push_back({fmt::format("engine of uid {} at {}", n.uid, n.engine),
                        "not believed, root's engines say otherwise: " + n.claim});
    }
  }
  std::vector<AuditEntry> entries;
  entries.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    facts->probe = probes[i];
    entries.push_back({items[i], items[i].not_checked > 0 ? not_checked_diagnosis(items[i])
                                                         : diagnose(items[i].query, *facts)});
  }
  if (options.json) {
    render::render_audit_json(std::cout, entries, unread);
  } else {
    render::render_audit_text(std::cout, entries, unread, text_style(options.color));
  }
  std::cout.flush();
  return exit_status(audit_verdict(entries));
}

}  // namespace whyno::cli
