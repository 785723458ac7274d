#pragma once
// The documented exit statuses (whyno-port(1), EXIT STATUS).

namespace whyno::cli {

constexpr int k_exit_reachable = 0;      // the path works
constexpr int k_exit_problem = 1;        // a problem was diagnosed
constexpr int k_exit_usage = 2;          // bad command line or unknown container
constexpr int k_exit_cannot_inspect = 3; // privileges, engine unreachable, container gone

}  // namespace whyno::cli
