#include "all_ports.hpp"

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
#include "whyno/core/paths/diagnose.hpp"
#include "whyno/core/plan/audit_items.hpp"
#include "whyno/probe/run_probe.hpp"
#include "whyno/render/audit.hpp"

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
std::vector<ProbeResult> probe_each(const std::vector<AuditItem>& items, const Facts& facts,
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
        results[i].detail = fmt::format("not probed: --all probes for {} s at most", k_probe_budget.count());
      } else {
        results[i] =
            probe::probe_result(items[i].query, facts, options.probe, std::min(options.probe_timeout, left));
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

AuditScope scope_of(const snapshot::Snapshot& snap) { return AuditScope{snap.query.container, snap.project}; }

bool same_item(const Query& a, const Query& b) {
  return a.target.text == b.target.text && a.port == b.port && a.protocol == b.protocol &&
         a.container == b.container;
}

/// The probe recorded for `item`; nullopt when none was (a snapshot of one
/// question replayed as --all).
std::optional<ProbeResult> probe_of(const snapshot::Snapshot& snap, const AuditItem& item) {
  for (const snapshot::ItemProbe& p : snap.probes) {
    if (same_item(p.query, item.query)) {
      return p.result;
    }
  }
  return std::nullopt;
}

}  // namespace

std::vector<snapshot::ItemProbe> probe_all_ports(const snapshot::Snapshot& snap, const Options& options) {
  const std::vector<AuditItem> items = audit_items(snap.facts, scope_of(snap));
  std::vector<ProbeResult> results;
  {
    Progress progress(!options.json && isatty(STDERR_FILENO) == 1);
    results = probe_each(items, snap.facts, options, progress);
  }
  std::vector<snapshot::ItemProbe> probes;
  probes.reserve(items.size());
  for (std::size_t i = 0; i < items.size(); ++i) {
    probes.push_back({items[i].query, std::move(results[i])});
  }
  return probes;
}

std::vector<AuditEntry> diagnose_all_ports(const snapshot::Snapshot& snap) {
  const std::vector<AuditItem> items = audit_items(snap.facts, scope_of(snap));
  std::vector<AuditEntry> entries;
  entries.reserve(items.size());
  for (const AuditItem& item : items) {
    entries.push_back({item, item.not_checked > 0 ? not_checked_diagnosis(item)
                                                  : diagnose(item.query, snap.facts, probe_of(snap, item))});
  }
  return entries;
}

int answer_all_ports(const snapshot::Snapshot& snap, const std::vector<AuditEntry>& entries,
                     const Options& options) {
  std::vector<Unread> unread = snap.facts.unread;
  if (snap.facts.engine) {
    for (const NotBelieved& n : snap.facts.engine->not_believed) {
      unread.push_back({fmt::format("engine of uid {} at {}", n.uid, n.engine),
                        "not believed, root's engines say otherwise: " + n.claim});
    }
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
