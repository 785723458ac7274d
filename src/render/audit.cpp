#include "whyno/render/audit.hpp"

#include <fmt/format.h>

#include "painter.hpp"
#include "whyno/render/json.hpp"
#include "whyno/util/printable.hpp"

namespace whyno::render {

namespace {

/// "8080/tcp", or "127.0.0.1:8080/tcp" for a binding to one address.
std::string port_label(const AuditItem& item) {
  const std::string port = fmt::format("{}/{}", item.query.port, to_string(item.query.protocol));
  const auto address = IpAddress::parse(item.host_ip);
  if (item.kind == AuditItem::Kind::unpublished || !address || address->is_unspecified()) {
    return port;
  }
  return address->is_v4() ? fmt::format("{}:{}", item.host_ip, port)
                          : fmt::format("[{}]:{}", item.host_ip, port);
}

std::string verdict_label(const AuditEntry& e) {
  return e.item.kind == AuditItem::Kind::unpublished ? std::string("not published")
                                                     : std::string(code(e.diagnosis.verdict));
}

std::string entry_mark(const AuditEntry& e, const TextStyle& style, const Painter& p) {
  if (e.item.kind == AuditItem::Kind::unpublished) {
    return p.dim(style.unicode ? "·" : "-");
  }
  if (e.diagnosis.verdict == Verdict::reachable) {
    return p.mark(HopState::ok);
  }
  return p.mark(e.diagnosis.verdict == Verdict::inconclusive ? HopState::unknown : HopState::failed);
}

/// A one-phrase reason for one line: the summary's first clause; for a port
/// nothing publishes, its second ("container `db` listens on ... but
/// publishes nothing"), since the first only says no host port leads there.
std::string_view reason_clause(std::string_view summary, AuditItem::Kind kind) {
  if (const auto semicolon = summary.find("; "); semicolon != std::string_view::npos) {
    summary =
        kind == AuditItem::Kind::unpublished ? summary.substr(semicolon + 2) : summary.substr(0, semicolon);
  }
  if (summary.ends_with('.')) {
    summary.remove_suffix(1);
  }
  return summary;
}

std::string container_heading(const AuditEntry& e) {
  std::string heading = printable(e.item.container_name);
  if (e.diagnosis.container && e.diagnosis.container->state != "running") {
    heading += fmt::format(" ({})", printable(e.diagnosis.container->state));
  }
  return heading;
}

}  // namespace

std::string audit_summary(const AuditTally& t) {
  const std::size_t ports = t.published + t.unpublished;
  if (ports == 0) {
    return "no container publishes, exposes or listens on a port";
  }
  std::string published = fmt::format("{} published", t.published);
  if (t.broken != 0 || t.inconclusive != 0) {
    std::vector<std::string> bad;
    if (t.broken != 0) {
      bad.push_back(fmt::format("{} broken", t.broken));
    }
    if (t.inconclusive != 0) {
      bad.push_back(fmt::format("{} inconclusive", t.inconclusive));
    }
    published += fmt::format(" ({})", fmt::join(bad, ", "));
  }
  std::string summary = fmt::format("{} port{}: {}", ports, ports == 1 ? "" : "s", published);
  if (t.unpublished != 0) {
    summary +=
        fmt::format(", {} not published (reachable from the container's networks only)", t.unpublished);
  }
  return summary;
}

void render_audit_text(std::ostream& out, const std::vector<AuditEntry>& entries,
                       const std::vector<Unread>& unread, const TextStyle& style) {
  const Painter p(style);
  std::size_t port_width = 0;
  std::size_t verdict_width = 0;
  for (const AuditEntry& e : entries) {
    port_width = std::max(port_width, display_width(port_label(e.item)));
    verdict_width = std::max(verdict_width, display_width(verdict_label(e)));
  }
  const std::string* container = nullptr;
  for (const AuditEntry& e : entries) {
    if (container == nullptr || *container != e.item.container_id) {
      out << (container == nullptr ? "" : "\n") << p.bold(container_heading(e)) << '\n';
      container = &e.item.container_id;
    }
    const std::string verdict = pad(verdict_label(e), verdict_width);
    const std::string painted = e.item.kind == AuditItem::Kind::unpublished    ? p.dim(verdict)
                                : e.diagnosis.verdict == Verdict::reachable    ? p.green(verdict)
                                : e.diagnosis.verdict == Verdict::inconclusive ? p.yellow(verdict)
                                                                               : p.red(verdict);
    // "  ✓ " + port + "  " + verdict + "  ": what the reason may fill after.
    const std::size_t used = 4 + port_width + 2 + verdict_width + 2;
    const std::string_view clause = reason_clause(e.diagnosis.summary, e.item.kind);
    const std::string reason =
        style.width > used + 10 ? excerpt(clause, style.width - used) : printable(clause);
    out << fmt::format("  {} {}  {}  {}\n", entry_mark(e, style, p), pad(port_label(e.item), port_width),
                       painted, reason);
    if (is_broken(e) && !e.diagnosis.fix.empty()) {
      out << std::string(4 + port_width + 2, ' ') << p.bold("fix") << ": " << printable(e.diagnosis.fix)
          << '\n';
    }
  }
  if (!entries.empty()) {
    out << '\n';
  }
  for (const Unread& u : unread) {
    out << p.yellow("could not read") << ' ' << printable(u.source) << ": " << printable(u.reason) << '\n';
  }
  const AuditTally t = tally(entries);
  const std::string summary = audit_summary(t);
  out << (t.broken != 0         ? p.red(summary)
          : t.inconclusive != 0 ? p.yellow(summary)
                                : p.green(summary))
      << '\n';
}

void render_audit_json(std::ostream& out, const std::vector<AuditEntry>& entries,
                       const std::vector<Unread>& unread) {
  const AuditTally t = tally(entries);
  const Verdict verdict = audit_verdict(entries);
  nlohmann::ordered_json j;
  j["schema"] = k_json_schema_version;
  j["mode"] = "all";
  j["verdict"] = code(verdict);
  j["ok"] = verdict == Verdict::reachable;
  j["summary"] = audit_summary(t);
  j["counts"] = {{"ports", t.published + t.unpublished},
                 {"published", t.published},
                 {"broken", t.broken},
                 {"inconclusive", t.inconclusive},
                 {"unpublished", t.unpublished}};
  nlohmann::ordered_json diagnoses = nlohmann::ordered_json::array();
  for (const AuditEntry& e : entries) {
    nlohmann::ordered_json d = to_json(e.item.query, e.diagnosis);
    d["item"] = e.item.container_name;  // the container, or a node's "NodePort of ns2/svc2:p80"
    d["published"] = e.item.kind == AuditItem::Kind::published;
    d["host_ip"] = e.item.host_ip;
    d["broken"] = is_broken(e);
    diagnoses.push_back(std::move(d));
  }
  j["diagnoses"] = std::move(diagnoses);
  nlohmann::ordered_json not_read = nlohmann::ordered_json::array();
  for (const Unread& u : unread) {
    not_read.push_back({{"source", u.source}, {"reason", u.reason}});
  }
  j["unread"] = std::move(not_read);
  out << escape_display_controls_in_json(
             j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace))
      << '\n';
}

}  // namespace whyno::render
