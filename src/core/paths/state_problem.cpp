// Containers that cannot answer because of their state, as problems of a path.

#include "state_problem.hpp"

#include <fmt/format.h>

#include "whyno/model/container_words.hpp"
#include "whyno/model/listeners.hpp"
#include "whyno/model/timestamp.hpp"
#include "whyno/util/words.hpp"

namespace whyno {

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
    fix = fmt::format("Start it ({} start {}) and read why it stopped: {} logs {}", cli, c.name, cli, c.name);
    commands = {fmt::format("{} logs --tail 50 {}", cli, name), fmt::format("{} start {}", cli, name)};
  }
  return Problem{Verdict::container_not_running,
                 fmt::format("{} {}, so {}.", container_phrase(c), phrase, what_fails), fix,
                 std::move(commands)};
}

std::vector<const PodContainer*> exited_pod_containers(const Container& c) {
  std::vector<const PodContainer*> out;
  for (const PodContainer& p : c.pod.containers) {
    if (!p.running) {
      out.push_back(&p);
    }
  }
  return out;
}

std::optional<Problem> pod_container_exited_problem(const Container& c, const std::string& what_fails) {
  const std::vector<const PodContainer*> exited = exited_pod_containers(c);
  if (!c.pod.known() || exited.empty()) {
    return std::nullopt;
  }
  std::vector<std::string> names;
  for (const PodContainer* p : exited) {
    names.push_back(quoted(p->name));
  }
  const std::string& ns = c.pod.namespace_name;
  const std::string& pod = c.pod.name;
  const std::string& first = exited.front()->name;
  return Problem{
      Verdict::container_not_running,
      fmt::format("{}'s {} {} {} not running: {} exited, and only the pod's sandbox keeps its network "
                  "namespace, so {}.",
                  container_phrase(c), exited.size() == 1 ? "container" : "containers",
                  join_words(names, "and"), exited.size() == 1 ? "is" : "are",
                  exited.size() == 1 ? "its process" : "their processes", what_fails),
      fmt::format("Read why {} exited (kubectl logs -n {} {} -c {} --previous) and what the kubelet says "
                  "(kubectl describe pod -n {} {}); the kubelet restarts it unless restartPolicy is Never.",
                  quoted(first), ns, pod, first, ns, pod),
      {fmt::format("kubectl logs -n {} {} -c {} --previous", ns, pod, first),
       fmt::format("kubectl describe pod -n {} {}", ns, pod)}};
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
