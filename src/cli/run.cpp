#include "run.hpp"

#include <iostream>

#include "exit_status.hpp"
#include "options.hpp"
#include "pipeline.hpp"
#include "terminal.hpp"

namespace whyno::cli {

int run(int argc, char** argv) {
  const auto options = parse_options(std::span<const char* const>(argv, static_cast<std::size_t>(argc)));
  if (!options) {
    return complain(k_exit_usage, options.error().message + " (see whyno-port --help)");
  }
  if (options->help) {
    std::cout << help_text();
    return k_exit_reachable;
  }
  if (options->version) {
    std::cout << version_text();
    return k_exit_reachable;
  }
  return answer(*options);
}

}  // namespace whyno::cli
