#include "app_halted.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "whyno/model/listeners.hpp"
#include "whyno/util/words.hpp"

namespace whyno::detail {

namespace {

std::string state_words(const ProcessRef& p) {
  if (p.frozen) {
    return "frozen (its cgroup is frozen)";
  }
  if (p.run_state == "T") {
    return "stopped (SIGSTOP or Ctrl-Z)";
  }
  if (p.run_state == "t") {
    return "stopped by a debugger that traces it";
  }
  return "a zombie (it exited; its parent has not reaped it)";
}

/// How to let one halted process run again.
void add_fix(const ProcessRef& p, std::vector<std::string>& sentences, std::vector<std::string>& commands) {
  if (p.frozen) {
    const bool v2 = p.thaw_file.ends_with("/cgroup.freeze");
    commands.push_back(fmt::format("echo {} > {}", v2 ? "0" : "THAWED", shell_word(p.thaw_file)));
    sentences.push_back(
        fmt::format("thaw the cgroup of {} {} ({}, or `systemctl thaw UNIT` for a systemd "
                    "unit; `docker unpause`/`podman unpause` when the engine froze it)",
                    p.comm, p.pid, commands.back()));
  } else if (p.run_state == "T") {
    commands.push_back(fmt::format("kill -CONT {}", p.pid));
    sentences.push_back(fmt::format("let {} {} continue: `{}`", p.comm, p.pid, commands.back()));
  } else if (p.run_state == "t") {
    sentences.push_back(fmt::format(
        "let the debugger continue {} {} or detach it (gdb: `continue` or `detach`)", p.comm, p.pid));
  } else {
    sentences.push_back(fmt::format("restart the app: {} {} has exited", p.comm, p.pid));
  }
}

}  // namespace

std::optional<Problem> halted_app(const Listener& l, const std::string& where) {
  if (l.owners.empty() || !std::all_of(l.owners.begin(), l.owners.end(), is_halted)) {
    return std::nullopt;
  }
  const ProcessRef& first = l.owners.front();
  std::vector<std::string> sentences;
  std::vector<std::string> commands;
  for (const ProcessRef& p : l.owners) {
    add_fix(p, sentences, commands);
  }
  const bool tcp = l.protocol == Protocol::tcp;
  return Problem{
      Verdict::app_not_accepting,
      fmt::format("The app {}, {}, listens on {}, but it is {}: {}", where, describe_owners(l),
                  describe_bind(l), state_words(first),
                  tcp ? "the kernel completes the handshake for it, so clients connect and then wait for an "
                        "answer that never comes."
                      : "its datagrams pile up unread, and no reply comes."),
      capitalized(fmt::format("{}.", join_words(sentences, "and"))), commands};
}

Problem hung_app(const Listener& l, std::uint32_t waiting, const std::string& where) {
  return Problem{
      Verdict::app_not_accepting,
      fmt::format("The app {}, {}, listens on {}, and the probe's connection completed, but the app never "
                  "accepted it: {} {} in its accept queue after the probe ended. The app is hung (or "
                  "stuck in a loop that does not call accept()).",
                  where, describe_owners(l), describe_bind(l), waiting,
                  waiting == 1 ? "connection waits" : "connections wait"),
      fmt::format("The app is hung: its accept queue holds {} {}. Read its logs, get a stack "
                  "(`gdb -p PID`, `py-spy dump`, `jstack`) to see where it is stuck, then restart it.",
                  waiting, waiting == 1 ? "connection" : "connections")};
}

}  // namespace whyno::detail
