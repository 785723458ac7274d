#include "whyno/util/phase_timings.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <cstdlib>

#include <fmt/format.h>

namespace whyno {

namespace {

// Nanoseconds per phase; readers on several threads add to them.
std::array<std::atomic<std::int64_t>, k_phase_count> g_spent{};

constexpr std::array<const char*, k_phase_count> k_names{"engine", "rules", "host",  "namespaces",
                                                         "owners", "probe", "answer"};

double milliseconds(std::int64_t nanoseconds) { return static_cast<double>(nanoseconds) / 1e6; }

}  // namespace

PhaseTimer::~PhaseTimer() {
  const auto spent = std::chrono::steady_clock::now() - m_start;
  g_spent[static_cast<std::size_t>(m_phase)] +=
      std::chrono::duration_cast<std::chrono::nanoseconds>(spent).count();
}

std::string timings_line(std::chrono::steady_clock::duration total) {
  std::string line =
      fmt::format("timings: total {:.1f} ms;",
                  milliseconds(std::chrono::duration_cast<std::chrono::nanoseconds>(total).count()));
  for (std::size_t i = 0; i < k_phase_count; ++i) {
    line += fmt::format("{} {} {:.1f}", i == 0 ? "" : ",", k_names[i], milliseconds(g_spent[i].load()));
  }
  return line;
}

bool timings_wanted() {
  const char* value = std::getenv("WHYNO_PORT_TIMINGS");
  return value != nullptr && *value != '\0' && std::string(value) != "0";
}

}  // namespace whyno
