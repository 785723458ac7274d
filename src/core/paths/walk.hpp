#pragma once
// Builds a Diagnosis hop by hop. Problems stack up; the verdict is the
// first hop that fails, and the others are listed too.

#include <string>
#include <vector>

#include "whyno/model/diagnosis.hpp"

namespace whyno::detail {

class Walk {
 public:
  /// `explain`: the firewall hooks record their walk in Diagnosis::trace.
  explicit Walk(Diagnosis& d, bool explain = false) : m_d(d), m_explain(explain) {}

  void ok(std::string label, std::string detail);
  /// A hop that could not be read. `advice` is the fix if the walk ends
  /// inconclusive because of it (the first unknown hop with advice wins).
  void unknown(std::string label, std::string detail, std::string advice = {});
  /// A failed hop and the problem it shows.
  void fail(std::string label, std::string detail, Problem problem);
  /// A problem found off the path's main line (listed under "also").
  void note_problem(Problem problem);

  bool failed() const { return !m_problems.empty(); }
  Diagnosis& diagnosis() { return m_d; }
  bool explaining() const { return m_explain; }

  /// Sets the verdict from the first problem, or reachable with `summary`.
  void finish(std::string reachable_summary);

 private:
  Diagnosis& m_d;
  std::vector<Problem> m_problems;
  std::string m_unknown_advice;
  bool m_explain = false;
};

}  // namespace whyno::detail
