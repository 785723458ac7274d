#pragma once
// Does this process hold the capabilities a diagnosis needs?

#include <string>
#include <vector>

namespace whyno::sys {

/// Names of required capabilities missing from the effective set, e.g.
/// {"CAP_SYS_ADMIN", "CAP_NET_ADMIN"}; empty when all are there.
std::vector<std::string> missing_capabilities();

}  // namespace whyno::sys
