// Containers that are not running, in words.

#include <fmt/format.h>

#include "whyno/model/container_words.hpp"

#include "whyno/util/words.hpp"

namespace whyno {

std::string container_phrase(const Container& c) {
  if (c.pod.known()) {
    return "pod " + quoted(c.pod.qualified());
  }
  return (c.kind == Container::Kind::namespace_only ? "namespace " : "container ") + quoted(c.name);
}

std::string_view unit_word(const Container& c) {
  return c.kind == Container::Kind::namespace_only ? "namespace" : "container";
}

std::string logs_hint(const Container& c) {
  if (c.pod.known()) {
    return fmt::format("`kubectl logs -n {} {} --all-containers`", c.pod.namespace_name, c.pod.name);
  }
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

}  // namespace whyno
