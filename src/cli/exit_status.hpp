#pragma once
// The documented exit statuses (whyno-port(1), EXIT STATUS).

#include "whyno/model/verdict.hpp"

namespace whyno::cli {

constexpr int k_exit_reachable = 0;       // the path works
constexpr int k_exit_problem = 1;         // a problem was diagnosed
constexpr int k_exit_usage = 2;           // bad command line or unknown container
constexpr int k_exit_cannot_inspect = 3;  // privileges, engine unreachable, container gone
constexpr int k_exit_inconclusive = 4;    // no problem found, but a hop could not be read

/// The exit status for a finished diagnosis.
constexpr int exit_status(Verdict verdict) {
  switch (verdict) {
    case Verdict::reachable:
      return k_exit_reachable;
    case Verdict::inconclusive:
      return k_exit_inconclusive;
    default:
      return k_exit_problem;
  }
}

}  // namespace whyno::cli
