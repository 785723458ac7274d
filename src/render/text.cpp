#include "whyno/render/text.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "whyno/model/listeners.hpp"
#include "whyno/model/probe_result.hpp"
#include "painter.hpp"
#include "trace_text.hpp"
#include "whyno/util/printable.hpp"
#include "whyno/util/words.hpp"

namespace whyno::render {

namespace {

/// The hops joined by arrows, after a 2-space indent. On a terminal of
/// `width` columns a line that would not fit breaks before an arrow, and
/// goes on 4 spaces in.
std::string path_line(const Diagnosis& d, const Painter& p, std::size_t width) {
  std::string line;
  std::size_t column = 2;  // the indent the caller printed
  for (const auto& h : d.path) {
    const std::string label = printable(h.label);
    std::string hop;
    std::size_t hop_width = display_width(label);
    switch (h.state) {
      case HopState::ok:
        hop = label;
        break;
      case HopState::failed:
        hop = p.red(p.mark(h.state) + " " + label);
        hop_width += 2;
        break;
      case HopState::unknown:
        hop = p.yellow("? " + label);
        hop_width += 2;
        break;
    }
    if (!line.empty()) {
      const std::string arrow = p.arrow();
      if (width != 0 && column + display_width(arrow) + hop_width > width) {
        line += "\n    " + std::string(arrow.substr(1));  // the arrow without its leading space
        column = 4 + display_width(arrow) - 1;
      } else {
        line += arrow;
        column += display_width(arrow);
      }
    }
    line += hop;
    column += hop_width;
  }
  return line;
}

/// `text` in lines of at most `width` columns, broken at spaces (a word
/// longer than a line gets a line of its own).
std::vector<std::string> wrap_at_spaces(const std::string& text, std::size_t width) {
  std::vector<std::string> lines;
  std::string line;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t space = std::min(text.find(' ', at), text.size());
    const std::string word = text.substr(at, space - at);
    at = space + 1;
    if (!line.empty() && display_width(line) + 1 + display_width(word) > width) {
      lines.push_back(std::move(line));
      line.clear();
    }
    line += line.empty() ? word : " " + word;
  }
  if (!line.empty()) {
    lines.push_back(std::move(line));
  }
  return lines;
}

/// One row per hop: its mark, its label, its detail. On a terminal of
/// `width` columns (0: no limit) where a row would run past the edge, each
/// detail goes under its label, indented and broken at spaces.
void hop_table(std::ostream& out, const Diagnosis& d, const Painter& p, std::size_t width) {
  constexpr std::size_t k_indent = 6;
  std::size_t label_width = 0;
  for (const auto& h : d.path) {
    label_width = std::max(label_width, display_width(printable(h.label)));
  }
  // One row that does not fit stacks them all, so the table reads one way.
  const bool stacked = width > k_indent + 20 && std::any_of(d.path.begin(), d.path.end(), [&](const Hop& h) {
                         return 4 + label_width + 2 + display_width(printable(h.detail)) > width;
                       });
  for (const auto& h : d.path) {
    const std::string label = printable(h.label);
    const std::string detail = printable(h.detail);
    if (!stacked) {
      out << fmt::format("  {} {}  {}\n", p.mark(h.state), pad(label, label_width), p.dim(detail));
      continue;
    }
    out << fmt::format("  {} {}\n", p.mark(h.state), label);
    for (const std::string& line : wrap_at_spaces(detail, width - k_indent)) {
      out << std::string(k_indent, ' ') << p.dim(line) << '\n';
    }
  }
}

/// What the table leaves out, in one line; empty when it shows everything.
std::string listeners_left_out(const Diagnosis& d) {
  if (!d.listeners_only_on.empty()) {
    std::vector<std::string> ports;
    for (const std::uint16_t port : d.listeners_only_on) {
      ports.push_back(std::to_string(port));
    }
    return fmt::format("(read on port{} {} only: the question needs no others)", ports.size() == 1 ? "" : "s",
                       join_words(ports, "and"));
  }
  if (d.listeners_left_out != 0) {
    return fmt::format(
        "... and {} more (the likeliest {} are shown: on the port asked, then reachable, then "
        "the lowest ports)",
        d.listeners_left_out, d.listeners.size());
  }
  return {};
}

void listener_table(std::ostream& out, const Diagnosis& d, const Painter& p) {
  out << '\n' << p.bold(printable(d.listeners_title)) << ":\n";
  if (d.listeners.empty()) {
    out << "  (none)\n";
    if (const std::string more = listeners_left_out(d); !more.empty()) {
      out << "  " << p.dim(more) << '\n';
    }
    return;
  }
  std::vector<std::array<std::string, 5>> rows;
  rows.push_back({"PROTO", "ADDRESS", "BIND", "QUEUE", "PROCESS"});
  for (const auto& l : d.listeners) {
    const std::string queue =
        l.protocol == Protocol::tcp ? fmt::format("{}/{}", l.accept_queue, l.backlog) : std::string("-");
    std::string scope(to_string(bind_scope(l)));
    if (l.address.is_v6() && l.v6only) {
      scope += ",v6only";
    }
    rows.push_back(
        {std::string(to_string(l.protocol)), describe_bind(l), scope, queue, printable(describe_owners(l))});
  }
  std::array<std::size_t, 5> widths{};
  for (const auto& r : rows) {
    for (std::size_t i = 0; i < r.size(); ++i) {
      widths[i] = std::max(widths[i], display_width(r[i]));
    }
  }
  for (std::size_t row = 0; row < rows.size(); ++row) {
    std::string line = " ";
    for (std::size_t i = 0; i < rows[row].size(); ++i) {
      std::string cell = i + 1 < rows[row].size() ? pad(rows[row][i], widths[i]) : rows[row][i];
      if (row > 0 && i == 2 && rows[row][2].starts_with("loopback")) {
        cell = p.red(cell);
      } else if (row > 0 && i == 2 && rows[row][2].starts_with("wildcard")) {
        cell = p.green(cell);
      }
      line += " " + (row == 0 ? p.dim(cell) : cell);
    }
    out << line << '\n';
  }
  if (const std::string more = listeners_left_out(d); !more.empty()) {
    out << "  " << p.dim(more) << '\n';
  }
}

void probe_line(std::ostream& out, const Diagnosis& d, const Painter& p) {
  if (!d.probe) {
    return;
  }
  const ProbeResult& r = d.probe->result;
  out << '\n' << p.bold("Probe") << ": ";
  if (r.outcome == ProbeResult::Outcome::skipped) {
    out << printable(r.detail) << '\n';
    return;
  }
  out << fmt::format("{} from {}: ", printable(r.target), printable(r.from));
  if (r.outcome == ProbeResult::Outcome::answered) {
    out << outcome_words(r.outcome) << " \"" << printable(r.detail) << '"';
  } else {
    out << (r.detail.empty() ? std::string(outcome_words(r.outcome)) : printable(r.detail));
  }
  out << fmt::format(" in {:.0f} ms", r.milliseconds);
  out << (d.probe->agrees ? p.dim(" - agrees with the diagnosis") : "") << '\n';
  if (!d.probe->agrees) {
    out << "  " << p.yellow("The probe and the diagnosis disagree") << ": " << printable(d.probe->note)
        << '\n';
  }
}

void engine_line(std::ostream& out, const Diagnosis& d, const Painter& p) {
  if (d.engines.empty()) {
    return;
  }
  std::vector<std::string> engines;
  for (const EngineIdentity& e : d.engines) {
    engines.push_back(printable(describe(e)));
  }
  out << '\n'
      << p.bold(d.engines.size() == 1 ? "Engine" : "Engines") << ": " << join_words(engines, "and") << '\n';
}

void bullet_list(std::ostream& out, std::string_view title, const std::vector<std::string>& items,
                 const Painter& p) {
  if (items.empty()) {
    return;
  }
  out << '\n' << p.bold(title) << ":\n";
  for (const auto& item : items) {
    out << "  " << printable(item) << '\n';
  }
}

}  // namespace

void render_text(std::ostream& out, const Query& query, const Diagnosis& d, const TextStyle& style) {
  const Painter p(style);
  const bool ok = d.verdict == Verdict::reachable;
  const std::string dialled =
      fmt::format("{}:{}/{}", query.target.text, query.port, to_string(query.protocol));
  std::string title;
  if (!query.from) {
    title = fmt::format("{} from this host", dialled);
  } else if (query.from_remote() && query.from->ip && query.from->text.find('/') != std::string::npos) {
    // --from ns/pod, resolved to the pod's address.
    title = fmt::format("{} from pod {} ({})", dialled, query.from->text, query.from->ip->to_string());
  } else if (query.from_remote()) {
    title = fmt::format("{} from {} (another machine)", dialled, query.from->text);
  } else {
    title = fmt::format("{} from container {}", dialled, query.from->text);
  }
  out << p.dim(printable(title)) << "\n\n";
  out << "  " << path_line(d, p, style.width) << "\n\n";
  const std::string verdict(code(d.verdict));
  const std::string painted = ok                                   ? p.green(verdict)
                              : d.verdict == Verdict::inconclusive ? p.yellow(verdict)
                                                                   : p.red(verdict);
  out << painted << ": " << printable(d.summary) << '\n';
  out << '\n';
  hop_table(out, d, p, style.width);
  if (!d.listeners_title.empty()) {
    listener_table(out, d, p);
  }
  bullet_list(out, "Evidence", d.evidence, p);
  bullet_list(out, "Engine and kernel disagree", d.disagreements, p);
  std::vector<std::string> also;
  for (const auto& problem : d.also) {
    also.push_back(fmt::format("{}: {}", code(problem.verdict), problem.summary));
  }
  bullet_list(out, "Also wrong", also, p);
  std::vector<std::string> unread;
  for (const auto& u : d.unread) {
    unread.push_back(fmt::format("{}: {}", u.source, u.reason));
  }
  bullet_list(out, "Could not read", unread, p);
  std::vector<std::string> not_believed;
  for (const NotBelieved& n : d.not_believed) {
    not_believed.push_back(fmt::format("the engine of uid {} at {}: {}", n.uid, n.engine, n.claim));
  }
  bullet_list(out, "Not believed (root's engines say otherwise)", not_believed, p);
  engine_line(out, d, p);
  probe_line(out, d, p);
  if (!d.fix.empty()) {
    out << '\n' << p.bold("Fix") << ": " << printable(d.fix) << '\n';
    for (const std::string& command : d.fix_commands) {
      out << "  " << p.dim("$") << ' ' << printable(command) << '\n';
    }
  }
  trace_section(out, d, p);
}

}  // namespace whyno::render
