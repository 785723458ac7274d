#pragma once
// Where output goes: the error sentence on stderr, and the text style the
// terminal (or its absence) asks for.

#include <string>

#include "options.hpp"
#include "whyno/render/text.hpp"

namespace whyno::cli {

/// Prints "whyno-port: MESSAGE" on stderr, bounded to 300 characters however
/// long the input or the engine's text was, and, with --json (`json`), the
/// same sentence as a JSON error object on stdout; returns `status`.
int complain(int status, const std::string& message, bool json = false);

/// Colour per --color, NO_COLOR and TERM; Unicode marks in a UTF-8 locale;
/// the width of stdout's terminal, 0 when it is not one.
render::TextStyle text_style(ColorMode mode);

}  // namespace whyno::cli
