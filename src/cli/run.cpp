#include "run.hpp"

#include <algorithm>
#include <iostream>
#include <string_view>

#include "exit_status.hpp"
#include "options.hpp"
#include "pipeline.hpp"
#include "terminal.hpp"

namespace whyno::cli {

int run(int argc, char** argv) {
  const std::span<const char* const> args(argv, static_cast<std::size_t>(argc));
  const auto options = parse_options(args);
  if (!options) {
    // The options did not parse, but a script that asked for JSON still gets it.
    const bool json = std::any_of(args.begin() + (args.empty() ? 0 : 1), args.end(), [](const char* a) {
      return a != nullptr && std::string_view(a) == "--json";
    });
    return complain(k_exit_usage, options.error().message + " (see whyno-port --help)", json);
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
