#pragma once
// Where one run's time went, by phase, for the bench's budget line: with
// WHYNO_PORT_TIMINGS set, the run prints one line on stderr at its end,
// "timings: total 41.2 ms; engine 12.0, rules 8.1, host 3.0, ...". Phases
// on threads of their own overlap (the engine, the rules and the host's
// namespace are read at once), so they need not add up to the total.

#include <chrono>
#include <cstdio>
#include <string>

namespace whyno {

enum class Phase {
  engine,      // the engines' lists and inspects
  rules,       // every netfilter rule of the host
  host,        // the host's namespace (interfaces, routes, sockets)
  namespaces,  // the containers' and other namespaces
  owners,      // /proc: who holds the sockets
  probe,       // the connection tried, and the sockets read after it
  answer,      // the diagnosis and its rendering
};
inline constexpr std::size_t k_phase_count = 7;

/// Adds the time from construction to destruction to its phase.
class PhaseTimer {
 public:
  explicit PhaseTimer(Phase phase) : m_phase(phase), m_start(std::chrono::steady_clock::now()) {}
  ~PhaseTimer();
  PhaseTimer(const PhaseTimer&) = delete;
  PhaseTimer& operator=(const PhaseTimer&) = delete;

 private:
  Phase m_phase;
  std::chrono::steady_clock::time_point m_start;
};

/// "timings: total 41.2 ms; engine 12.0, ..." for a run that took `total`.
std::string timings_line(std::chrono::steady_clock::duration total);

/// Whether WHYNO_PORT_TIMINGS asks for the line.
bool timings_wanted();

}  // namespace whyno
