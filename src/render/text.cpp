#include "whyno/render/text.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "whyno/core/listeners.hpp"
#include "whyno/core/probe_plan.hpp"
#include "painter.hpp"
#include "trace_text.hpp"
#include "whyno/util/printable.hpp"

namespace whyno::render {

namespace {

std::string path_line(const Diagnosis& d, const Painter& p) {
  std::string line;
  for (const auto& h : d.path) {
    if (!line.empty()) {
      line += p.arrow();
    }
    const std::string label = printable(h.label);
    switch (h.state) {
      case HopState::ok: line += label; break;
      case HopState::failed: line += p.red(p.mark(h.state) + " " + label); break;
      case HopState::unknown: line += p.yellow("? " + label); break;
    }
  }
  return line;
}

void hop_table(std::ostream& out, const Diagnosis& d, const Painter& p) {
  std::size_t width = 0;
  for (const auto& h : d.path) {
    width = std::max(width, display_width(printable(h.label)));
  }
  for (const auto& h : d.path) {
    out << fmt::format("  {} {}  {}\n", p.mark(h.state), pad(printable(h.label), width),
                       p.dim(printable(h.detail)));
  }
}

void listener_table(std::ostream& out, const Diagnosis& d, const Painter& p) {
  out << '\n' << p.bold(printable(d.listeners_title)) << ":\n";
  if (d.listeners.empty()) {
    out << "  (none)\n";
    return;
  }
  std::vector<std::array<std::string, 5>> rows;
  rows.push_back({"PROTO", "ADDRESS", "BIND", "QUEUE", "PROCESS"});
  for (const auto& l : d.listeners) {
    const std::string queue = l.protocol == Protocol::tcp
                                  ? fmt::format("{}/{}", l.accept_queue, l.backlog)
                                  : std::string("-");
    std::string scope(to_string(bind_scope(l)));
    if (l.address.is_v6() && l.v6only) {
      scope += ",v6only";
    }
    rows.push_back({std::string(to_string(l.protocol)), describe_bind(l), scope, queue,
                    printable(describe_owners(l))});
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
    out << "  " << p.yellow("The probe and the diagnosis disagree") << ": "
        << printable(d.probe->note) << '\n';
  }
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
  const std::string dialled = fmt::format("{}:{}/{}", query.target.text, query.port, to_string(query.protocol));
  std::string title;
  if (!query.from) {
    title = fmt::format("{} from this host", dialled);
  } else if (query.from_remote()) {
    title = fmt::format("{} from {} (another machine)", dialled, query.from->text);
  } else {
    title = fmt::format("{} from container {}", dialled, query.from->text);
  }
  out << p.dim(printable(title)) << "\n\n";
  out << "  " << path_line(d, p) << "\n\n";
  const std::string verdict(code(d.verdict));
  const std::string painted = ok                                  ? p.green(verdict)
                              : d.verdict == Verdict::inconclusive ? p.yellow(verdict)
                                                                   : p.red(verdict);
  out << painted << ": " << printable(d.summary) << '\n';
  out << '\n';
  hop_table(out, d, p);
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
  probe_line(out, d, p);
  if (!d.fix.empty()) {
    out << '\n' << p.bold("Fix") << ": " << printable(d.fix) << '\n';
  }
  trace_section(out, d, p);
}

}  // namespace whyno::render
