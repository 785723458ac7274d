#include "host_firewalls.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "rule_origin.hpp"

namespace whyno::detail {

namespace {

void add_evidence(Diagnosis& d, std::string line) {
  if (std::find(d.evidence.begin(), d.evidence.end(), line) == d.evidence.end()) {
    d.evidence.push_back(std::move(line));
  }
}

bool is_ufw_chain(const std::string& name) { return name.starts_with("ufw-") || name.starts_with("ufw6-"); }

/// firewalld's iptables backend: the dispatch chains it writes in table filter.
bool is_firewalld_chain(const std::string& name) {
  return name == "INPUT_ZONES" || name == "FORWARD_ZONES" || name == "INPUT_direct" ||
         name == "FORWARD_direct";
}

/// Docker's own rules, and the jumps into its chains from the built-in
/// ones: what the "had Docker not accepted it" walk leaves out. DOCKER-USER
/// is the user's and stays.
bool is_dockers(const nf::Rule& r, const Facts& facts) {
  if (origin_of(r, facts).author == RuleOrigin::Author::docker) {
    return true;
  }
  const nf::ActionKind kind = r.action.kind;
  return (kind == nf::ActionKind::jump || kind == nf::ActionKind::goto_) &&
         r.action.chain.starts_with("DOCKER") && r.action.chain != "DOCKER-USER";
}

/// The accept that ended the base chain of `table` (the last one in the
/// trace), or nullptr.
const nf::Rule* accepted_in(const nf::HookOutcome& out, const nf::Rule& like) {
  const auto it = std::find_if(out.trace.rbegin(), out.trace.rend(), [&](const nf::Rule* r) {
    return r->action.kind == nf::ActionKind::accept && r->backend == like.backend &&
           r->family == like.family && r->table == like.table;
  });
  return it == out.trace.rend() ? nullptr : *it;
}

/// What kind of ufw rule a chain holds, for "(ufw, a `ufw route` rule)".
std::string ufw_kind(const nf::Rule& r) {
  if (r.chain.starts_with("ufw-user-forward") || r.chain.starts_with("ufw6-user-forward")) {
    return ", a `ufw route` rule";
  }
  if (r.chain.starts_with("ufw-user-input") || r.chain.starts_with("ufw6-user-input")) {
    return ", a `ufw deny` rule";
  }
  return {};
}

/// The rule as its author wrote it, and who that was: "`-A ufw-user-input
/// ...` (ufw's ufw-user-input chain, a `ufw deny` rule)".
std::string rule_and_author(const nf::Rule& r, const Facts& facts, const RuleOrigin& origin) {
  return fmt::format("{} ({}{})", authored_display(r, facts), origin.description,
                     origin.author == RuleOrigin::Author::ufw ? ufw_kind(r) : "");
}

std::string drop_verb(const nf::Rule& r) {
  return r.action.kind == nf::ActionKind::reject ? "reject" : "drop";
}

}  // namespace

HostFirewalls host_firewalls(const nf::Ruleset& rules) {
  HostFirewalls found;
  // `ufw disable` empties its chains but leaves them (and the jumps to them)
  // in place: ufw is active while its chains hold rules.
  found.ufw = std::any_of(rules.rules.begin(), rules.rules.end(),
                          [](const nf::Rule& r) { return r.table == "filter" && is_ufw_chain(r.chain); });
  for (const nf::Chain& c : rules.chains) {
    if (c.table == "firewalld" && c.family == nf::Family::inet) {
      found.firewalld = true;
      found.firewalld_nftables = true;
    }
    if (c.table == "filter" && is_firewalld_chain(c.name)) {
      found.firewalld = true;
    }
    if (c.table == "docker-bridges" || (c.name.starts_with("DOCKER") && c.name != "DOCKER-USER")) {
      found.docker_chains = true;
    }
  }
  return found;
}

void note_host_firewalls(Diagnosis& d, const Facts& facts) {
  const HostFirewalls found = host_firewalls(facts.ruleset);
  if (found.ufw) {
    add_evidence(d,
                 "kernel: ufw is active (its ufw-* chains are in table filter): `ufw allow` and "
                 "`ufw deny` rules filter INPUT, and `ufw route` rules FORWARD after Docker's "
                 "own chains; a published port is DNATed in PREROUTING and forwarded, so "
                 "neither stops it unless DOCKER-USER sends it to ufw (ufw-docker)");
  }
  if (found.firewalld) {
    add_evidence(d, found.firewalld_nftables
                        ? "kernel: firewalld is active (table inet firewalld, its nftables "
                          "backend): its filter_FORWARD accepts `ct status dnat` (published "
                          "ports) before any zone; other forwarded traffic passes only a zone or "
                          "policy that accepts it (Docker's zone docker)"
                        : "kernel: firewalld is active (its INPUT_ZONES and FORWARD_ZONES chains "
                          "are in table filter, its iptables backend): its FORWARD chain accepts "
                          "--ctstate DNAT (published ports) before any zone");
  }
}

void note_shadowed_drops(Diagnosis& d, const Facts& facts, const nf::Packet& packet,
                         const nf::HookOutcome& out) {
  nf::WalkOptions options;
  options.skip = [&facts](const nf::Rule& r) { return is_dockers(r, facts); };
  const nf::HookOutcome without = nf::walk_hook(facts.ruleset, nf::Hook::forward, packet, options);
  if (without.kind == nf::HookOutcome::Kind::accepted) {
    return;
  }
  if (without.rule != nullptr) {
    const nf::Rule& r = *without.rule;
    const RuleOrigin origin = origin_of(r, facts);
    const nf::Rule* first = accepted_in(out, r);
    if (origin.author == RuleOrigin::Author::docker || first == nullptr ||
        std::find(out.trace.begin(), out.trace.end(), &r) != out.trace.end()) {
      return;
    }
    note_rule(d, r, facts);
    add_evidence(d, fmt::format("kernel: {} would {} this traffic, but the packet never "
                                "reaches it: {} accepted it first (a shadowed {})",
                                rule_and_author(r, facts, origin), drop_verb(r), nf::describe_chain(*first),
                                drop_verb(r)));
    return;
  }
  const nf::Chain* policy = without.policy_chain;
  if (policy == nullptr || !host_firewalls(facts.ruleset).ufw || policy->table != "filter") {
    return;  // Docker sets FORWARD's policy to drop itself: only ufw's is news
  }
  const auto first = std::find_if(out.trace.rbegin(), out.trace.rend(), [&](const nf::Rule* r) {
    return r->action.kind == nf::ActionKind::accept && r->table == policy->table &&
           r->family == policy->family && r->backend == policy->backend;
  });
  if (first != out.trace.rend()) {
    add_evidence(d,
                 fmt::format("kernel: {}'s policy drop (ufw's DEFAULT_FORWARD_POLICY) does not "
                             "apply: {} accepted the packet first",
                             nf::describe_chain(policy->backend, policy->family, policy->table, policy->name),
                             nf::describe_chain(**first)));
  }
}

void note_input_only_drops(Diagnosis& d, const Facts& facts, const nf::Packet& arrived,
                           const std::string& dnat_to) {
  nf::Packet input = arrived;
  input.output_interface = "";
  const nf::HookOutcome out = nf::walk_hook(facts.ruleset, nf::Hook::input, input);
  if (out.kind == nf::HookOutcome::Kind::accepted || out.rule == nullptr) {
    return;
  }
  const nf::Rule& r = *out.rule;
  const RuleOrigin origin = origin_of(r, facts);
  if (origin.author == RuleOrigin::Author::docker) {
    return;
  }
  note_rule(d, r, facts);
  add_evidence(d, fmt::format("kernel: {} filters INPUT only: {}:{} is DNATed to {} in "
                              "PREROUTING and forwarded, so it never meets this rule",
                              rule_and_author(r, facts, origin), arrived.destination.to_string_for_port(),
                              arrived.destination_port, dnat_to));
}

std::optional<std::string> firewalld_zone_of(const nf::Ruleset& rules, const std::string& interface) {
  std::optional<std::string> named;
  std::optional<std::string> fallback;
  for (const nf::Rule& r : rules.rules) {
    if (r.chain != "filter_INPUT_ZONES" && r.chain != "INPUT_ZONES") {
      continue;
    }
    const std::string& target = r.action.chain;
    std::string_view zone = target;
    for (const std::string_view prefix : {"filter_IN_", "IN_"}) {
      if (zone.starts_with(prefix)) {
        zone.remove_prefix(prefix.size());
        break;
      }
    }
    if (zone == target || zone.empty()) {
      continue;
    }
    const auto by_name = std::find_if(r.matches.begin(), r.matches.end(),
                                      [](const nf::Match& m) { return m.field == nf::Field::iifname; });
    if (by_name == r.matches.end()) {
      if (!fallback) {
        fallback = std::string(zone);  // the catch-all: the default zone
      }
      continue;
    }
    const bool ours =
        std::any_of(by_name->interfaces.begin(), by_name->interfaces.end(), [&](const nf::InterfaceName& n) {
          return n.prefix ? interface.starts_with(n.name) : interface == n.name;
        });
    if (ours && !by_name->negated && !named) {
      named = std::string(zone);
    }
  }
  return named ? named : fallback;
}

std::string firewalld_flush_reason(const HostFirewalls& firewalls) {
  return firewalls.docker_chains
             ? "firewalld is active, and its start and every reload flush every iptables table; "
               "dockerd wrote its chains again, but not this port's rules (moby#50443)"
             : "firewalld is active, and its start and every reload flush every iptables table, "
               "Docker's chains and DNAT rules with them";
}

std::string firewalld_flush_fix() {
  return "Restart dockerd (firewalld's start/reload removed Docker's rules): systemctl restart "
         "docker. dockerd writes its rules again when it sees firewalld start or reload (its "
         "firewalld integration), but not always all of them (moby#50443): check with whyno-port "
         "after each firewall-cmd --reload.";
}

}  // namespace whyno::detail
