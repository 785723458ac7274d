// Containers that are not running, in words.

#include <fmt/format.h>

#include "whyno/core/container_state.hpp"

#include "state_problem.hpp"
#include "timestamp.hpp"
#include "whyno/core/listeners.hpp"
#include "whyno/util/words.hpp"

namespace whyno {

std::string container_phrase(const Container& c) {
  return (c.kind == Container::Kind::namespace_only ? "namespace " : "container ") + quoted(c.name);
}

std::string_view unit_word(const Container& c) {
  return c.kind == Container::Kind::namespace_only ? "namespace" : "container";
}

std::string logs_hint(const Container& c) {
  return c.kind == Container::Kind::namespace_only ? std::string("the app's own logs")
                                                   : fmt::format("`docker logs {}`", c.name);
}

std::string state_phrase(const Container& c) {
  const auto& s = c.state;
  if (s.paused) {
    return "is paused";
  }
  if (s.restarting || s.status == "restarting") {
    return fmt::format("keeps restarting (restarted {} times; last exit code {})", s.restart_count,
                       s.exit_code);
  }
  if (s.status == "created") {
    return s.error.empty() ? "was created but never started"
                           : fmt::format("was created but never started: {}", s.error);
  }
  if (s.status == "exited" || s.status == "dead") {
    if (s.oom_killed) {
      return fmt::format("was killed for using too much memory (exit code {})", s.exit_code);
    }
    // docker stop sends SIGTERM, then SIGKILL: 143 or 137 without OOM.
    if (s.exit_code == 143 || s.exit_code == 137 || (s.exit_code == 0 && !s.error.empty())) {
      return fmt::format("was stopped (exit code {})", s.exit_code);
    }
    return fmt::format("exited with code {}{}", s.exit_code,
                       s.error.empty() ? "" : fmt::format(": {}", s.error));
  }
  return s.status.empty() ? "is not running" : fmt::format("is {}", s.status);
}

namespace detail {


std::optional<Problem> not_running_problem(const Container& c, const std::string& what_fails) {
  if (c.state.running && !c.state.paused && !c.state.restarting) {
    return std::nullopt;
  }
  const std::string phrase = state_phrase(c);
  std::string fix;
  std::vector<std::string> commands;
  const std::string name = shell_word(c.name);
  const char* cli = cli_of(c);
  if (c.state.paused) {
    fix = fmt::format("{} unpause {}", cli, c.name);
    commands = {fmt::format("{} unpause {}", cli, name)};
  } else if (c.state.restarting || c.state.status == "restarting") {
    fix = fmt::format("Read why it keeps failing: {} logs {}", cli, c.name);
    commands = {fmt::format("{} logs --tail 50 {}", cli, name)};
  } else if (c.state.status == "created" && !c.state.error.empty()) {
    fix = fmt::format("Fix the start error above, then {} start {}", cli, c.name);
  } else {
    fix = fmt::format("Start it ({} start {}) and read why it stopped: {} logs {}", cli, c.name, cli,
                      c.name);
    commands = {fmt::format("{} logs --tail 50 {}", cli, name), fmt::format("{} start {}", cli, name)};
  }
  return Problem{Verdict::container_not_running,
                 fmt::format("{} {}, so {}.", container_phrase(c), phrase, what_fails), fix,
                 std::move(commands)};
}

std::optional<Problem> crash_loop_problem(const Container& c, std::int64_t collected_at,
                                          const std::string& what_fails) {
  constexpr std::int64_t k_just_started_seconds = 10;
  const auto started = parse_rfc3339(c.state.started_at);
  if (!c.state.running || c.state.restart_count == 0 || !started || collected_at == 0 ||
      collected_at - *started > k_just_started_seconds) {
    return std::nullopt;
  }
  return Problem{Verdict::container_not_running,
                 fmt::format("{} keeps restarting: restarted {} times, the last time {} s ago, so "
                             "{}.",
                             container_phrase(c), c.state.restart_count,
                             std::max<std::int64_t>(0, collected_at - *started), what_fails),
                 fmt::format("Read why it keeps failing: {} logs {}", cli_of(c), c.name),
                 {fmt::format("{} logs --tail 50 {}", cli_of(c), shell_word(c.name))}};
}

}  // namespace detail
}  // namespace whyno
