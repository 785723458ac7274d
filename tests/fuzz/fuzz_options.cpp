// cli::parse_options on a command line: the input split at NUL bytes is
// argv[1..], after argv[0] "whyno-port". Errors must say something; a
// success has something to do, a port and a timeout within bounds.
// Seeds: hand-written command lines (make_seeds.sh).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cli/options.hpp"
#include "fuzz_input.hpp"

using namespace whyno;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view rest = fuzz::text(data, size);
  std::vector<std::string> words;
  while (!rest.empty()) {
    const auto nul = rest.find('\0');
    words.emplace_back(rest.substr(0, nul));
    rest = nul == std::string_view::npos ? std::string_view{} : rest.substr(nul + 1);
  }
  std::vector<const char*> argv{"whyno-port"};
  for (const std::string& w : words) {
    argv.push_back(w.c_str());
  }
  argv.push_back(nullptr);  // as a real argv ends; not part of the span

  const auto options = cli::parse_options(std::span(argv.data(), argv.size() - 1));
  if (!options) {
    WHYNO_FUZZ_CHECK(!options.error().message.empty());
    return 0;
  }
  // A run asks for help, the version, one PORT, a replay, or the whole host.
  WHYNO_FUZZ_CHECK(options->help || options->version || options->have_target || options->replay ||
                   options->all);
  // --all asks from this host about every port: never with a PORT or --from.
  WHYNO_FUZZ_CHECK(!options->all || (!options->have_target && !options->query.from));
  WHYNO_FUZZ_CHECK(options->probe_timeout.count() > 0 && options->probe_timeout.count() <= 60000);
  if (options->have_target) {
    WHYNO_FUZZ_CHECK(options->query.port != 0);
  }
  return 0;
}
