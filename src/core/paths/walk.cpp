#include "walk.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "whyno/util/words.hpp"

namespace whyno::detail {

void Walk::ok(std::string label, std::string detail) {
  m_d.path.push_back({std::move(label), HopState::ok, std::move(detail)});
}

void Walk::unknown(std::string label, std::string detail, std::string advice) {
  if (m_unknown_advice.empty()) {
    m_unknown_advice = std::move(advice);
  }
  // Several hooks can be blind for the same reason; say it once per hop name.
  const bool said = std::any_of(m_d.path.begin(), m_d.path.end(), [&](const Hop& hop) {
    return hop.state == HopState::unknown && hop.label == label && hop.detail == detail;
  });
  if (!said) {
    m_d.path.push_back({std::move(label), HopState::unknown, std::move(detail)});
  }
}

void Walk::fail(std::string label, std::string detail, Problem problem) {
  m_d.path.push_back({std::move(label), HopState::failed, std::move(detail)});
  m_problems.push_back(std::move(problem));
}

void Walk::note_problem(Problem problem) { m_problems.push_back(std::move(problem)); }

namespace {

/// Many sentences start with container_phrase(); give them their capital.
/// (Others start with a command or a sysctl name, which keep their case.)
std::string sentence(std::string s) {
  if (s.starts_with("container `")) {
    s.front() = 'C';
  }
  return s;
}

}  // namespace

void Walk::finish(std::string reachable_summary) {
  if (m_problems.empty()) {
    std::vector<std::string> unknown;
    for (const Hop& hop : m_d.path) {
      if (hop.state == HopState::unknown) {
        unknown.push_back(fmt::format("{} ({})", hop.label, hop.detail));
      }
    }
    if (!unknown.empty() || reachable_summary.empty()) {
      // Every hop read works, but one could not be read: that is no all-clear.
      m_d.verdict = Verdict::inconclusive;
      m_d.summary = unknown.empty() ? std::string("whyno-port could not follow the path to its end.")
                                    : fmt::format(
                                          "whyno-port could not check {}, so it cannot say the path "
                                          "works; every hop it could read works.",
                                          join_words(unknown, "and"));
      m_d.fix = !m_unknown_advice.empty()
                    ? sentence(m_unknown_advice)
                    : std::string(
                          "Run whyno-port again (a container may have restarted while it "
                          "read); if the answer stays inconclusive, see what it could not "
                          "read.");
      return;
    }
    m_d.verdict = Verdict::reachable;
    m_d.summary = sentence(std::move(reachable_summary));
    m_d.fix.clear();
    return;
  }
  m_d.verdict = m_problems.front().verdict;
  m_d.summary = sentence(m_problems.front().summary);
  m_d.fix = sentence(m_problems.front().fix);
  m_d.fix_commands = m_problems.front().commands;
  for (std::size_t i = 1; i < m_problems.size(); ++i) {
    const bool repeated = m_problems[i].verdict == m_d.verdict && m_problems[i].summary == m_d.summary;
    if (!repeated) {
      m_d.also.push_back({m_problems[i].verdict, sentence(m_problems[i].summary), sentence(m_problems[i].fix),
                          m_problems[i].commands});
    }
  }
}

}  // namespace whyno::detail
