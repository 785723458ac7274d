#include "explain.hpp"

#include <fmt/format.h>

#include "rule_origin.hpp"

namespace whyno::detail {

namespace {

std::string packet_text(const nf::Packet& p) {
  const std::string protocol = p.l4proto == 6 ? "tcp" : p.l4proto == 17 ? "udp" : std::to_string(p.l4proto);
  return fmt::format("{} {} -> {}:{}, in {}, out {}", protocol, p.source.to_string(),
                     p.destination.to_string_for_port(), p.destination_port,
                     p.input_interface ? (p.input_interface->empty() ? "-" : *p.input_interface) : "?",
                     p.output_interface ? (p.output_interface->empty() ? "-" : *p.output_interface) : "?");
}

std::string_view outcome_text(const nf::HookOutcome& out) {
  switch (out.kind) {
    case nf::HookOutcome::Kind::accepted:
      return out.outcome_uncertain ? "accepted (not certain)" : "accepted";
    case nf::HookOutcome::Kind::dropped:
      return "dropped";
    case nf::HookOutcome::Kind::rejected:
      return "rejected";
  }
  return "?";
}

/// The rule the hook's outcome rests on: the drop, the DNAT, or the last
/// accept of the walk.
const nf::Rule* deciding_rule(const nf::HookOutcome& out) {
  if (out.rule != nullptr) {
    return out.rule;
  }
  if (out.kind != nf::HookOutcome::Kind::accepted) {
    return nullptr;
  }
  for (auto it = out.trace.rbegin(); it != out.trace.rend(); ++it) {
    if ((*it)->action.kind == nf::ActionKind::accept) {
      return *it;
    }
  }
  return out.nat ? out.nat->rule : nullptr;
}

}  // namespace

void record_trace(Diagnosis& d, const Facts& facts, nf::Hook hook, const nf::Packet& packet,
                  const nf::HookOutcome& out, const std::string& flow) {
  const std::string hook_text(nf::to_string(hook));
  const nf::Rule* deciding = deciding_rule(out);
  TraceStep start;
  start.hook = hook_text;
  start.event = "hook";
  start.text = fmt::format("{}: {}", flow, packet_text(packet));
  d.trace.push_back(std::move(start));
  for (const nf::WalkStep& s : out.steps) {
    TraceStep t;
    t.hook = hook_text;
    t.depth = s.depth;
    switch (s.kind) {
      case nf::WalkStep::Kind::chain:
        t.event = "chain";
        t.chain = nf::describe_chain(*s.base);
        t.text = fmt::format("{} (hook {}, priority {}, type {})", t.chain, hook_text, s.base->base->priority,
                             s.base->base->type == nf::ChainType::nat     ? "nat"
                             : s.base->base->type == nf::ChainType::route ? "route"
                                                                          : "filter");
        break;
      case nf::WalkStep::Kind::rule:
        t.event = "rule";
        t.chain = nf::describe_chain(*s.rule);
        t.text = authored_display(*s.rule, facts);
        if (s.skipped) {
          t.matched = false;
          t.why_not = "walked past (what-if walk)";
        } else if (s.matched != nf::Tri::maybe) {
          t.matched = s.matched == nf::Tri::yes;
        } else {
          t.why_not = "cannot be evaluated; assumed not to match";
        }
        if (s.failed != nullptr) {
          t.why_not = fmt::format("no match: {}", nf::describe(*s.failed));
        }
        t.deciding = s.rule == deciding && t.matched == true;
        break;
      case nf::WalkStep::Kind::jump:
      case nf::WalkStep::Kind::goto_:
        t.event = s.kind == nf::WalkStep::Kind::jump ? "jump" : "goto";
        t.chain = nf::describe_chain(*s.rule);
        t.text = s.chain;
        break;
      case nf::WalkStep::Kind::return_:
        t.event = "return";
        t.chain = s.chain;
        t.text = s.rule != nullptr ? "by a return rule" : "at the chain's end";
        break;
      case nf::WalkStep::Kind::nat:
        t.event = "nat";
        t.chain = nf::describe_chain(*s.base);
        t.text = fmt::format("destination now {}", s.note);
        break;
      case nf::WalkStep::Kind::reroute:
        t.event = "reroute";
        t.chain = nf::describe_chain(*s.base);
        t.text = fmt::format("routed again: out {}", s.note);
        break;
      case nf::WalkStep::Kind::verdict:
        t.event = "verdict";
        t.chain = nf::describe_chain(*s.base);
        t.text = s.note;
        t.deciding = s.base == out.policy_chain;
        break;
    }
    d.trace.push_back(std::move(t));
  }
  TraceStep end;
  end.hook = hook_text;
  end.event = "verdict";
  end.text = fmt::format("{} {}", hook_text, outcome_text(out));
  d.trace.push_back(std::move(end));
}

}  // namespace whyno::detail
