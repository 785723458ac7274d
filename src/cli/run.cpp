#include "whyno/cli/run.hpp"

namespace whyno::cli {

int run(int, char**) { return 0; }

}  // namespace whyno::cli
