#include "firewall_hop.hpp"

#include "core/firewall/explain.hpp"
#include "core/firewall/firewall_drops.hpp"
#include "core/firewall/host_firewalls.hpp"
#include "core/firewall/rule_origin.hpp"
#include "routing.hpp"
#include "whyno/util/words.hpp"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

namespace whyno::detail {

namespace {

/// The first condition of `r` the walk cannot evaluate, in words.
std::string unevaluable_condition(const nf::Rule& r) {
  for (const nf::Match& m : r.matches) {
    if (m.field == nf::Field::unknown && !m.text.empty()) {
      return "its condition: " + m.text;
    }
  }
  if (r.action.kind == nf::ActionKind::unknown && !r.action.text.empty()) {
    return "its action: " + r.action.text;
  }
  return "its condition";
}

struct Doubt {
  std::string detail;
  std::string advice;
};

/// Why an accepted walk is not certain, or nullopt when it is: rules that
/// were not read, or a rule that could have stopped the packet but whose
/// condition cannot be evaluated.
std::optional<Doubt> doubt_about(const Facts& facts, const nf::HookOutcome& out) {
  if (!facts.ruleset.unread.empty()) {
    const Unread& first = facts.ruleset.unread.front();
    return Doubt{fmt::format("{} not read: {}", first.source, first.reason),
                 "Run whyno-port as root, so that it can read every netfilter rule, and again "
                 "if the rules were changing while it read them."};
  }
  if (out.outcome_uncertain) {
    const auto first = std::find_if(out.uncertain.begin(), out.uncertain.end(), [](const nf::Rule* r) {
      return r->action.kind != nf::ActionKind::accept && r->action.kind != nf::ActionKind::return_;
    });
    const nf::Rule& r = first != out.uncertain.end() ? **first : *out.uncertain.front();
    // authored_display quotes the rule itself: no quotes around it again.
    return Doubt{fmt::format("{} has a rule whyno-port cannot evaluate", nf::describe_chain(r)),
                 fmt::format("Check by hand whether {} matches this traffic: whyno-port cannot "
                             "evaluate {}.",
                             authored_display(r, facts), unevaluable_condition(r))};
  }
  return std::nullopt;
}

}  // namespace

namespace {

void add_evidence(Diagnosis& d, std::string line) {
  if (std::find(d.evidence.begin(), d.evidence.end(), line) == d.evidence.end()) {
    d.evidence.push_back(std::move(line));
  }
}

}  // namespace

void note_uncertain(Diagnosis& d, const Facts& facts, const nf::HookOutcome& out) {
  for (const nf::Rule* r : out.uncertain) {
    note_rule(d, *r, facts);
    const std::string line = fmt::format("kernel: {} cannot be evaluated ({}); assumed not to match",
                                         authored_display(*r, facts), unevaluable_condition(*r));
    if (std::find(d.evidence.begin(), d.evidence.end(), line) == d.evidence.end()) {
      d.evidence.push_back(line);
    }
  }
}

nf::HookOutcome walk_firewall(Walk& w, const Facts& facts, nf::Hook hook, const nf::Packet& packet,
                              const std::string& flow, const nf::WalkOptions& options) {
  nf::WalkOptions walk_options = options;
  walk_options.record_steps = w.explaining();
  nf::Packet walked = packet;
  if (!walked.reverse_path_valid) {
    walked.reverse_path_valid = reverse_path_valid(facts.host, walked.source, walked.input_interface);
  }
  nf::HookOutcome out = nf::walk_hook(facts.ruleset, hook, walked, walk_options);
  if (w.explaining()) {
    record_trace(w.diagnosis(), facts, hook, packet, out, flow);
  }
  note_host_firewalls(w.diagnosis(), facts);
  note_uncertain(w.diagnosis(), facts, out);
  if (out.kind == nf::HookOutcome::Kind::accepted) {
    if (const auto doubt = doubt_about(facts, out)) {
      w.unknown(hook_name(hook), doubt->detail, doubt->advice);
      return out;
    }
    // The filter hooks a packet from outside crosses are hops of their own;
    // the entry hooks (PREROUTING, OUTPUT) and loopback show as the host port.
    const bool from_outside =
        packet.input_interface && !packet.input_interface->empty() && *packet.input_interface != "lo";
    if (hook == nf::Hook::forward || (hook == nf::Hook::input && from_outside)) {
      const auto accepted = std::find_if(out.trace.rbegin(), out.trace.rend(), [](const nf::Rule* r) {
        return r->action.kind == nf::ActionKind::accept;
      });
      w.ok(hook_name(hook), accepted == out.trace.rend()
                                ? std::string("no rule drops it")
                                : fmt::format("accepted by {}", authored_display(**accepted, facts)));
      if (accepted != out.trace.rend()) {
        add_evidence(w.diagnosis(), rule_evidence(**accepted, facts));
        note_rule(w.diagnosis(), **accepted, facts);
      }
      if (hook == nf::Hook::forward) {
        note_shadowed_drops(w.diagnosis(), facts, packet, out);
      }
    }
    return out;
  }
  if (out.rule != nullptr) {
    const nf::Rule& r = *out.rule;
    add_evidence(w.diagnosis(), rule_evidence(r, facts));
    note_rule(w.diagnosis(), r, facts);
    w.fail(fmt::format("{} by {}", out.kind == nf::HookOutcome::Kind::rejected ? "rejected" : "dropped",
                       nf::describe_chain(r)),
           authored_display(r, facts), drop_problem(r, facts, hook, out.packet, flow));
  } else if (out.policy_chain != nullptr) {
    const nf::Chain& c = *out.policy_chain;
    w.fail(fmt::format("dropped by {} policy", nf::describe_chain(c.backend, c.family, c.table, c.name)),
           "no rule accepts this traffic", policy_drop_problem(c, out, facts, hook, flow));
  }
  return out;
}

void check_route_localnet(Walk& w, const Facts& facts, const std::optional<std::string>& output_interface,
                          const std::string& dialled, const IpAddress& to, std::uint16_t port) {
  const std::string via = output_interface.value_or("?");
  const auto& localnet = facts.sysctls.route_localnet;
  const auto all = localnet.find("all");
  const auto own = output_interface ? localnet.find(*output_interface) : localnet.end();
  if ((all != localnet.end() && all->second) || (own != localnet.end() && own->second)) {
    w.ok(fmt::format("route via {}", via), "route_localnet on: a 127.0.0.1 source may leave");
    return;
  }
  if (all == localnet.end() || own == localnet.end()) {
    w.unknown(fmt::format("route via {}", via), "route_localnet not read",
              fmt::format("Check sysctl net.ipv4.conf.{}.route_localnet: the kernel drops a 127.0.0.1 "
                          "source routed out of {} unless it (or conf.all's) is 1.",
                          via, via));
    return;
  }
  const std::string key = fmt::format("net.ipv4.conf.{}.route_localnet", via);
  w.fail(fmt::format("{} = 0", key), "the kernel drops a 127.0.0.1 source routed out of it",
         {Verdict::route_localnet_off,
          fmt::format("{} is DNATed to {}:{}, out of {}, but {} is 0 (and so is conf.all's): the kernel "
                      "will not route a packet from 127.0.0.1 out of {}, so the connection times out. "
                      "Other machines, and this host dialling its own address instead of 127.0.0.1, "
                      "are not affected.",
                      dialled, to.to_string_for_port(), port, via, key, via),
          fmt::format(
              "Dial the host's own address instead of 127.0.0.1, or sysctl -w {}=1 (kube-proxy's "
              "iptables mode sets it for localhost NodePorts, unless --iptables-localhost-nodeports=false; "
              "persist it in /etc/sysctl.d/).",
              key),
          {fmt::format("sysctl -w {}=1", shell_word(key))}});
}

void check_forwarding(Walk& w, const Facts& facts, const std::optional<std::string>& input_interface,
                      const std::optional<std::string>& output_interface) {
  const std::string via = output_interface ? *output_interface : std::string("?");
  const Sysctls& s = facts.sysctls;
  std::optional<std::string> off;
  if (s.ipv4_forward && !*s.ipv4_forward) {
    off = "net.ipv4.ip_forward";
  } else if (input_interface) {
    const auto it = s.ipv4_iface_forward.find(*input_interface);
    if (it != s.ipv4_iface_forward.end() && !it->second) {
      off = fmt::format("net.ipv4.conf.{}.forwarding", *input_interface);
    }
  }
  if (!off) {
    if (s.ipv4_forward) {
      w.ok(fmt::format("route via {}", via), "forwarding on");
    } else {
      w.unknown(fmt::format("route via {}", via), "net.ipv4.ip_forward not read",
                "Check that the host forwards packets: sysctl net.ipv4.ip_forward must be 1.");
    }
    return;
  }
  const bool engine_forward = facts.engine && facts.engine->config.ip_forward;
  w.fail(fmt::format("{} = 0", *off), "the host does not forward packets between interfaces",
         {Verdict::forwarding_disabled,
          fmt::format("{} is 0, so the host does not route packets from {} to the container's "
                      "bridge {}: clients on other machines cannot reach it (clients on this "
                      "host still can).",
                      *off, input_interface ? *input_interface : std::string("the network"), via),
          fmt::format("sysctl -w {}=1, and persist it in /etc/sysctl.d/ ({}).", *off,
                      engine_forward ? "dockerd turns it on when it starts, so something turned it off since"
                                     : "daemon.json has \"ip-forward\": false, so dockerd leaves it off"),
          {fmt::format("sysctl -w {}=1", shell_word(*off)),
           fmt::format("echo {} > /etc/sysctl.d/99-ip-forward.conf  # persists it",
                       shell_word(fmt::format("{} = 1", *off)))}});
}

}  // namespace whyno::detail
