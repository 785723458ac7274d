#pragma once

#include <ostream>

#include "whyno/core/diagnosis.hpp"
#include "whyno/core/query.hpp"

namespace whyno::render {

struct TextStyle {
  bool color = false;    // ANSI colours (only on a terminal, never with NO_COLOR)
  bool unicode = true;   // → ✓ ✗ when the locale is UTF-8, else -> ok x
};

void render_text(std::ostream& out, const Query& query, const Diagnosis& diagnosis,
                 const TextStyle& style);

}  // namespace whyno::render
