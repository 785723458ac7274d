#include "whyno/render/json.hpp"

#include "whyno/model/listeners.hpp"
#include "whyno/model/probe_result.hpp"
#include "whyno/util/printable.hpp"

namespace whyno::render {

namespace {

nlohmann::ordered_json listener_json(const Listener& l) {
  nlohmann::ordered_json processes = nlohmann::ordered_json::array();
  for (const auto& p : l.owners) {
    processes.push_back({{"pid", p.pid},
                         {"name", p.comm},
                         {"uid", p.uid ? nlohmann::ordered_json(*p.uid) : nlohmann::ordered_json()},
                         {"exe", p.exe.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(p.exe)}});
  }
  return {{"protocol", to_string(l.protocol)},
          {"address", l.address.to_string()},
          {"port", l.port},
          {"bind", to_string(bind_scope(l))},
          {"v6only", l.v6only},
          {"accept_queue", l.accept_queue},
          {"backlog", l.backlog},
          {"processes", processes}};
}

std::string_view state_name(HopState s) {
  switch (s) {
    case HopState::ok:
      return "ok";
    case HopState::failed:
      return "failed";
    case HopState::unknown:
      break;
  }
  return "unknown";
}

}  // namespace

nlohmann::ordered_json to_json(const Query& query, const Diagnosis& d) {
  nlohmann::ordered_json j;
  j["schema"] = k_json_schema_version;
  j["verdict"] = code(d.verdict);
  j["ok"] = d.verdict == Verdict::reachable;
  j["summary"] = d.summary;
  j["fix"] = d.fix.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(d.fix);
  j["fix_commands"] = d.fix_commands;
  j["query"] = {
      {"address", query.target.text},
      {"port", query.port},
      {"protocol", to_string(query.protocol)},
      {"from", query.from ? nlohmann::ordered_json(query.from->text) : nlohmann::ordered_json()},
      {"container", query.container ? nlohmann::ordered_json(*query.container) : nlohmann::ordered_json()},
      {"netns", query.netns ? nlohmann::ordered_json(query.netns->label) : nlohmann::ordered_json()}};
  nlohmann::ordered_json path = nlohmann::ordered_json::array();
  for (const auto& h : d.path) {
    path.push_back({{"hop", h.label},
                    {"ok", h.state == HopState::ok},
                    {"state", state_name(h.state)},
                    {"detail", h.detail}});
  }
  j["path"] = path;
  nlohmann::ordered_json addresses = nlohmann::ordered_json::array();
  for (const AddressAttempt& a : d.addresses) {
    addresses.push_back({{"address", a.address.to_string()},
                         {"verdict", code(a.verdict)},
                         {"ok", a.verdict == Verdict::reachable},
                         {"connect_fails", a.connect_fails},
                         {"summary", a.summary}});
  }
  j["addresses"] = addresses;
  j["container"] = d.container ? nlohmann::ordered_json{{"name", d.container->name},
                                                        {"id", d.container->id},
                                                        {"state", d.container->state},
                                                        {"engine_uid", d.container->engine_uid}}
                               : nlohmann::ordered_json();
  if (d.container && d.container->pod.known()) {
    const Pod& pod = d.container->pod;
    nlohmann::ordered_json containers = nlohmann::ordered_json::array();
    for (const PodContainer& c : pod.containers) {
      containers.push_back({{"name", c.name}, {"id", c.id}, {"running", c.running}});
    }
    j["container"]["pod"] = {
        {"namespace", pod.namespace_name}, {"name", pod.name}, {"uid", pod.uid}, {"containers", containers}};
  }
  nlohmann::ordered_json listeners = nlohmann::ordered_json::array();
  for (const auto& l : d.listeners) {
    listeners.push_back(listener_json(l));
  }
  j["listeners"] = listeners;
  j["listeners_only_on"] = d.listeners_only_on;
  j["listeners_left_out"] = d.listeners_left_out;
  j["evidence"] = d.evidence;
  nlohmann::ordered_json rules = nlohmann::ordered_json::array();
  for (const RuleRef& r : d.rules) {
    rules.push_back({{"syntax", r.syntax},
                     {"tool", r.tool},
                     {"text", r.text},
                     {"display", r.display},
                     {"backend", r.backend},
                     {"family", r.family},
                     {"table", r.table},
                     {"chain", r.chain},
                     {"position", r.position},
                     {"handle", r.handle ? nlohmann::ordered_json(*r.handle) : nlohmann::ordered_json()},
                     {"neutral", r.neutral},
                     {"action", r.action}});
  }
  j["rules"] = rules;
  j["disagreements"] = d.disagreements;
  nlohmann::ordered_json also = nlohmann::ordered_json::array();
  for (const auto& p : d.also) {
    also.push_back(
        {{"verdict", code(p.verdict)}, {"summary", p.summary}, {"fix", p.fix}, {"fix_commands", p.commands}});
  }
  j["also"] = also;
  nlohmann::ordered_json unread = nlohmann::ordered_json::array();
  for (const auto& u : d.unread) {
    unread.push_back({{"source", u.source}, {"reason", u.reason}});
  }
  j["unread"] = unread;
  nlohmann::ordered_json not_believed = nlohmann::ordered_json::array();
  for (const NotBelieved& n : d.not_believed) {
    not_believed.push_back({{"uid", n.uid}, {"engine", n.engine}, {"claim", n.claim}});
  }
  j["not_believed"] = not_believed;
  nlohmann::ordered_json engines = nlohmann::ordered_json::array();
  for (const EngineIdentity& e : d.engines) {
    engines.push_back({{"kind", e.kind},
                       {"version", e.version},
                       {"api_version", e.api_version},
                       {"rootless", e.rootless},
                       {"user", e.uid ? nlohmann::ordered_json(*e.uid) : nlohmann::ordered_json()},
                       {"endpoint", e.endpoint},
                       {"from_files", e.from_files}});
  }
  j["engines"] = engines;
  nlohmann::ordered_json trace = nlohmann::ordered_json::array();
  for (const TraceStep& t : d.trace) {
    trace.push_back({{"hook", t.hook},
                     {"event", t.event},
                     {"depth", t.depth},
                     {"chain", t.chain},
                     {"text", t.text},
                     {"matched", t.matched ? nlohmann::ordered_json(*t.matched) : nlohmann::ordered_json()},
                     {"why_not", t.why_not},
                     {"deciding", t.deciding}});
  }
  j["trace"] = trace;
  if (d.probe) {
    const ProbeResult& r = d.probe->result;
    j["probe"] = {
        {"outcome", outcome_name(r.outcome)},
        {"from", r.from},
        {"target", r.target},
        {"detail", r.detail},
        {"milliseconds", r.milliseconds},
        {"agrees", d.probe->agrees},
        {"note", d.probe->note.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(d.probe->note)},
        {"proof",
         d.probe->proof.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(d.probe->proof)}};
  } else {
    j["probe"] = nullptr;
  }
  return j;
}

void render_json(std::ostream& out, const Query& query, const Diagnosis& diagnosis) {
  // Strings from containers may hold invalid UTF-8; replace rather than throw.
  out << escape_display_controls_in_json(
             to_json(query, diagnosis).dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace))
      << '\n';
}

void render_error_json(std::ostream& out, std::string_view message, int exit_status) {
  nlohmann::ordered_json j;
  j["schema"] = k_json_schema_version;
  j["ok"] = false;
  j["verdict"] = nullptr;
  j["error"] = {{"message", std::string(message)}, {"exit_status", exit_status}};
  out << escape_display_controls_in_json(
             j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace))
      << '\n';
}

}  // namespace whyno::render
