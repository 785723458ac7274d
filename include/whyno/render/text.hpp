#pragma once

#include <cstddef>
#include <ostream>

#include "whyno/model/diagnosis.hpp"
#include "whyno/model/query.hpp"

namespace whyno::render {

struct TextStyle {
  bool color = false;     // ANSI colours (only on a terminal, never with NO_COLOR)
  bool unicode = true;    // → ✓ ✗ when the locale is UTF-8, else -> ok x
  std::size_t width = 0;  // the terminal's columns, 0 when not a terminal: lines are not cut
};

void render_text(std::ostream& out, const Query& query, const Diagnosis& diagnosis, const TextStyle& style);

}  // namespace whyno::render
