#pragma once
// The "Walk" section of --explain's text output: Diagnosis::trace, one line
// a step, indented by chain depth.

#include <ostream>

#include "whyno/model/diagnosis.hpp"
#include "painter.hpp"

namespace whyno::render {

/// Prints nothing when `d.trace` is empty.
void trace_section(std::ostream& out, const Diagnosis& d, const Painter& p);

}  // namespace whyno::render
