#include "trace_text.hpp"

#include <string>

#include <fmt/format.h>

#include "whyno/util/printable.hpp"

namespace whyno::render {

namespace {

std::string indent(std::size_t depth) { return std::string(6 + 2 * depth, ' '); }

std::string rule_line(const TraceStep& t, const Painter& p) {
  const HopState state = !t.matched ? HopState::unknown : *t.matched ? HopState::ok : HopState::failed;
  std::string line = fmt::format("{}{} {}", indent(t.depth), p.mark(state), printable(t.text));
  if (!t.why_not.empty()) {
    line += "  " + p.dim(printable(t.why_not));
  }
  if (t.deciding) {
    line += p.bold(p.unicode() ? "  ◀ decides" : "  <- decides");
  }
  return line;
}

}  // namespace

void trace_section(std::ostream& out, const Diagnosis& d, const Painter& p) {
  if (d.trace.empty()) {
    return;
  }
  out << '\n' << p.bold("Walk") << ":\n";
  const std::string right = p.unicode() ? "→" : "->";
  const std::string left = p.unicode() ? "←" : "<-";
  for (const TraceStep& t : d.trace) {
    if (t.event == "hook") {
      out << "  " << p.bold(printable(t.hook)) << ": " << printable(t.text) << '\n';
    } else if (t.event == "chain") {
      out << "    " << printable(t.text) << '\n';
    } else if (t.event == "rule") {
      out << rule_line(t, p) << '\n';
    } else if (t.event == "jump" || t.event == "goto") {
      out << indent(t.depth) << right << ' ' << t.event << ' ' << printable(t.text) << '\n';
    } else if (t.event == "return") {
      out << indent(t.depth > 0 ? t.depth - 1 : 0) << left << " return from " << printable(t.chain) << " ("
          << printable(t.text) << ")\n";
    } else if (t.event == "nat" || t.event == "reroute") {
      out << indent(0) << right << ' ' << printable(t.text) << '\n';
    } else if (t.event == "verdict" && !t.chain.empty()) {
      out << "    = " << printable(t.chain) << ": " << printable(t.text)
          << (t.deciding ? p.bold(p.unicode() ? "  ◀ decides" : "  <- decides") : "") << '\n';
    } else if (t.event == "verdict") {
      out << "  = " << p.bold(printable(t.text)) << '\n';
    }
  }
}

}  // namespace whyno::render
