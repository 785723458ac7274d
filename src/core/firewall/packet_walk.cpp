#include "packet_walk.hpp"

#include "vmap_lookup.hpp"

#include <algorithm>
#include <map>
#include <tuple>
#include <utility>

namespace whyno::nf {

namespace {

bool family_applies(Family f, const IpAddress& a) {
  switch (f) {
    case Family::ip:
      return a.is_v4();
    case Family::ip6:
      return a.is_v6();
    case Family::inet:
      return true;
    default:
      return false;
  }
}

/// Applies the marks a matching rule sets.
void apply_marks(const Rule& rule, Packet& p) {
  for (const MarkSet& set : rule.marks) {
    const std::uint32_t from = set.from == MarkSet::Slot::packet       ? p.mark
                               : set.from == MarkSet::Slot::connection ? p.ct_mark
                                                                       : 0;
    const std::uint32_t value = (from & set.and_mask) ^ set.xor_value;
    (set.target == MarkSet::Slot::connection ? p.ct_mark : p.mark) = value;
  }
}

/// kube-proxy's sessionAffinity: ClientIP (`-m recent --rcheck --name
/// KUBE-SEP-X -j KUBE-SEP-X` in a KUBE-SVC chain). Whether this client was
/// seen is a history whyno-port cannot read, but either way the packet goes
/// to one of the Service's own endpoints, as its random spread would: it is
/// walked as one more random choice, so every endpoint is still considered.
bool is_affinity_recall(const Rule& rule, const Match& m) {
  return m.field == Field::unknown && !m.negated &&
         (m.text.starts_with("-m recent --rcheck") || m.text.starts_with("-m recent --update")) &&
         (rule.chain.starts_with("KUBE-SVC-") || rule.chain.starts_with("KUBE-SVL-")) &&
         rule.action.kind == ActionKind::jump && rule.action.chain.starts_with("KUBE-SEP-");
}

/// `failed` is set to the first match that does not hold, when one does not.
Tri evaluate_all(const Rule& rule, const Packet& packet, RandomChoice& random, const Match*& failed) {
  Tri result = Tri::yes;
  failed = nullptr;
  for (const auto& m : rule.matches) {
    const bool chance = m.field == Field::random || is_affinity_recall(rule, m);
    const Tri t = !chance ? evaluate(m, packet) : random.holds() ? Tri::yes : Tri::no;
    if (t == Tri::no) {
      failed = &m;
      return Tri::no;
    }
    if (t == Tri::maybe) {
      result = Tri::maybe;
    }
  }
  return result;
}

using ChainKey = std::tuple<Backend, Family, std::string, std::string>;

ChainKey key_of(const Rule& r) { return {r.backend, r.family, r.table, r.chain}; }
ChainKey key_of(const Chain& c) { return {c.backend, c.family, c.table, c.name}; }

class Walker {
 public:
  Walker(const Ruleset& rules, Packet& packet, std::function<bool(const Rule&)> skip, bool record,
         std::size_t random_branch)
      : m_packet(packet),
        m_random{random_branch, false},
        m_max_steps((rules.rules.size() + 1) * (k_max_depth + 1)),
        m_skip(std::move(skip)),
        m_record(record) {
    for (const auto& r : rules.rules) {
      m_chains[key_of(r)].push_back(&r);
    }
  }

  enum class End { accept, drop, reject, nat, fell_through };

  /// A rule we could not evaluate. Had it applied, an accept or a return
  /// would only have let the packet through sooner; anything else could
  /// have stopped or diverted it.
  static void note_uncertain(HookOutcome& out, const Rule& rule, ActionKind would_do) {
    out.uncertain.push_back(&rule);
    switch (would_do) {
      case ActionKind::next:
      case ActionKind::accept:
      case ActionKind::return_:
      case ActionKind::snat:
      case ActionKind::masquerade:
        return;
      default:
        out.outcome_uncertain = true;
    }
  }

  /// Runs one base chain to its end.
  End run(const Chain& base, HookOutcome& out) {
    struct Frame {
      const std::vector<const Rule*>* rules;
      std::size_t next;
      std::string name;
    };
    std::vector<Frame> stack;
    stack.push_back({rules_of(key_of(base)), 0, base.name});
    std::size_t steps = 0;
    while (!stack.empty()) {
      Frame& frame = stack.back();
      if (frame.rules == nullptr || frame.next >= frame.rules->size()) {
        if (stack.size() > 1) {
          record(out, {WalkStep::Kind::return_,
                       stack.size() - 1,
                       nullptr,
                       nullptr,
                       Tri::yes,
                       nullptr,
                       false,
                       frame.name,
                       {}});
        }
        stack.pop_back();  // the end of a regular chain returns to its caller
        continue;
      }
      const std::size_t depth = stack.size() - 1;
      const Rule& rule = *(*frame.rules)[frame.next++];
      if (++steps > m_max_steps) {
        // Only a loop gets here: the kernel refuses jumps and gotos that
        // loop, but a crafted iptables-legacy blob or snapshot can hold a
        // chain that goes to itself (forever) or jumps to itself twice
        // (2^64 steps). Where the packet ends up is then not known.
        note_uncertain(out, rule, ActionKind::unknown);
        return End::fell_through;
      }
      if (m_skip && m_skip(rule)) {
        record(out, {WalkStep::Kind::rule, depth, nullptr, &rule, Tri::no, nullptr, true, {}, {}});
        continue;
      }
      const Match* failed = nullptr;
      const Tri matched = evaluate_all(rule, m_packet, m_random, failed);
      record(out, {WalkStep::Kind::rule, depth, nullptr, &rule, matched, failed, false, {}, {}});
      if (matched == Tri::no) {
        continue;
      }
      if (matched == Tri::maybe) {
        if (rule.action.kind != ActionKind::next) {
          note_uncertain(out, rule, rule.action.kind);
        }
        continue;
      }
      out.trace.push_back(&rule);
      apply_marks(rule, m_packet);
      const Action& a = rule.action;
      ActionKind kind = a.kind;
      std::string target = a.chain;
      if (kind == ActionKind::vmap) {
        const std::optional<const VmapEntry*> found = vmap_lookup(a, m_packet, m_random);
        if (!found) {
          note_uncertain(out, rule, ActionKind::unknown);  // keyed on a field we cannot tell
          continue;
        }
        const VmapEntry* entry = *found;
        if (entry == nullptr) {
          continue;
        }
        kind = entry->kind;
        target = entry->chain;
      }
      switch (kind) {
        case ActionKind::next:
        case ActionKind::snat:
        case ActionKind::masquerade:
          continue;
        case ActionKind::unknown:
          note_uncertain(out, rule, ActionKind::unknown);
          continue;
        case ActionKind::accept:
        case ActionKind::queue:
          return End::accept;
        case ActionKind::drop:
          out.rule = &rule;
          return End::drop;
        case ActionKind::reject:
          out.rule = &rule;
          return End::reject;
        case ActionKind::dnat:
        case ActionKind::redirect:
          out.nat = NatDecision{kind, a.nat_address, a.nat_port_min, &rule};
          return End::nat;
        case ActionKind::return_:
          if (stack.size() > 1) {
            record(
                out,
                {WalkStep::Kind::return_, depth, nullptr, &rule, Tri::yes, nullptr, false, frame.name, {}});
          }
          stack.pop_back();
          continue;
        case ActionKind::jump:
        case ActionKind::goto_: {
          if (stack.size() > k_max_depth) {
            note_uncertain(out, rule, ActionKind::unknown);
            continue;
          }
          const ChainKey callee{rule.backend, rule.family, rule.table, target};
          record(out, {kind == ActionKind::goto_ ? WalkStep::Kind::goto_ : WalkStep::Kind::jump,
                       depth,
                       nullptr,
                       &rule,
                       Tri::yes,
                       nullptr,
                       false,
                       target,
                       {}});
          if (kind == ActionKind::goto_) {
            stack.pop_back();
          }
          stack.push_back({rules_of(callee), 0, target});
          continue;
        }
        case ActionKind::vmap:
          continue;
      }
    }
    return End::fell_through;
  }

  bool more_random_branches() const { return m_random.more; }

  void record(HookOutcome& out, WalkStep step) const {
    if (m_record) {
      out.steps.push_back(std::move(step));
    }
  }

 private:
  static constexpr std::size_t k_max_depth = 64;

  const std::vector<const Rule*>* rules_of(const ChainKey& key) const {
    const auto it = m_chains.find(key);
    return it == m_chains.end() ? nullptr : &it->second;
  }

  Packet& m_packet;
  RandomChoice m_random;
  std::size_t m_max_steps;  // rules evaluated in one run, loops included
  std::function<bool(const Rule&)> m_skip;
  bool m_record = false;
  std::map<ChainKey, std::vector<const Rule*>> m_chains;
};

}  // namespace

HookOutcome walk_hook(const Ruleset& rules, Hook hook, const Packet& packet, const WalkOptions& options) {
  std::vector<const Chain*> bases;
  for (const auto& c : rules.chains) {
    if (c.base && c.base->hook == hook && family_applies(c.family, packet.destination) &&
        (!options.only_type || c.base->type == *options.only_type)) {
      bases.push_back(&c);
    }
  }
  std::stable_sort(bases.begin(), bases.end(),
                   [](const Chain* a, const Chain* b) { return a->base->priority < b->base->priority; });

  HookOutcome out;
  out.packet = packet;
  if ((hook == Hook::prerouting || hook == Hook::input) && !out.packet.output_interface) {
    // No output device yet (or ever): the kernel's oifname is "" there, so
    // firewalld's `oifname "docker0"` in raw PREROUTING simply does not match.
    out.packet.output_interface = "";
  }
  Walker walker(rules, out.packet, options.skip, options.record_steps, options.random_branch);
  // However the walk ends, it says whether it took a random branch with others after it.
  const auto done = [&] {
    out.more_random_branches = walker.more_random_branches();
    return std::move(out);
  };
  const auto verdict = [&](const Chain* base, std::string note) {
    walker.record(out,
                  {WalkStep::Kind::verdict, 0, base, nullptr, Tri::yes, nullptr, false, {}, std::move(note)});
  };
  for (const Chain* base : bases) {
    if (out.nat && base->base->type == ChainType::nat) {
      continue;  // the connection's NAT binding is set; later nat chains don't run
    }
    walker.record(out, {WalkStep::Kind::chain, 0, base, nullptr, Tri::yes, nullptr, false, {}, {}});
    const Walker::End end = walker.run(*base, out);
    switch (end) {
      case Walker::End::drop:
        out.kind = HookOutcome::Kind::dropped;
        verdict(base, "drop");
        return done();
      case Walker::End::reject:
        out.kind = HookOutcome::Kind::rejected;
        verdict(base, "reject");
        return done();
      case Walker::End::fell_through:
        if (base->base->policy_drop) {
          out.kind = HookOutcome::Kind::dropped;
          out.policy_chain = base;
          verdict(base, "policy drop");
          return done();
        }
        verdict(base, "policy accept");
        break;
      case Walker::End::nat:
        if (out.nat->kind == ActionKind::dnat && out.nat->address) {
          out.packet.destination = *out.nat->address;
        } else if (out.nat->kind == ActionKind::redirect) {
          out.packet.destination = hook == Hook::output ? IpAddress::loopback(packet.destination.family())
                                                        : out.packet.destination;
        }
        if (out.nat->port != 0) {
          out.packet.destination_port = out.nat->port;
        }
        out.packet.ct_status |= k_ct_status_dnat;  // redirect is a DNAT too
        out.packet.destination_type = k_rtn_unicast;
        walker.record(out, {WalkStep::Kind::nat,
                            0,
                            base,
                            out.nat->rule,
                            Tri::yes,
                            nullptr,
                            false,
                            {},
                            out.packet.destination.to_string_for_port() + ":" +
                                std::to_string(out.packet.destination_port)});
        if (options.reroute) {
          out.packet.output_interface = options.reroute(out.packet.destination);
          walker.record(out, {WalkStep::Kind::reroute,
                              0,
                              base,
                              nullptr,
                              Tri::yes,
                              nullptr,
                              false,
                              {},
                              out.packet.output_interface.value_or("?")});
        }
        verdict(base, "dnat");
        break;
      case Walker::End::accept:
        verdict(base, "accept");
        break;
    }
  }
  return done();
}

std::vector<HookOutcome> walk_every_branch(const Ruleset& rules, Hook hook, const Packet& packet,
                                           WalkOptions options, std::size_t limit) {
  std::vector<HookOutcome> out;
  for (std::size_t branch = 0; branch < limit; ++branch) {
    options.random_branch = branch;
    out.push_back(walk_hook(rules, hook, packet, options));
    if (!out.back().more_random_branches) {
      break;
    }
  }
  return out;
}

}  // namespace whyno::nf
