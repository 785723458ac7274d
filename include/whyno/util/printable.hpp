#pragma once
// Names and strings from containers are untrusted: a container name or a
// process title could carry terminal escapes. Everything the text renderer
// prints from facts passes through printable().

#include <string>
#include <string_view>

namespace whyno {

/// Valid UTF-8 without control characters passes unchanged; C0/C1 controls,
/// DEL and bytes of invalid UTF-8 become \xNN.
std::string printable(std::string_view text);

}  // namespace whyno
