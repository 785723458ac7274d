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

Tri negate_if(bool negated, Tri t) {
  if (!negated || t == Tri::maybe) {
    return t;
  }
  return t == Tri::yes ? Tri::no : Tri::yes;
}

Tri from_bool(bool b) { return b ? Tri::yes : Tri::no; }

// Linux's default ip_local_port_range: where a client's source port is.
constexpr std::uint32_t k_ephemeral_first = 32768;
constexpr std::uint32_t k_ephemeral_last = 60999;

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

bool interface_matches(const InterfaceName& pattern, const std::string& name) {
  return pattern.prefix ? name.starts_with(pattern.name) : name == pattern.name;
}

Tri evaluate_interfaces(const Match& m, const std::optional<std::string>& name) {
  if (!name) {
    return Tri::maybe;
  }
  const bool any = std::any_of(m.interfaces.begin(), m.interfaces.end(),
                               [&](const InterfaceName& i) { return interface_matches(i, *name); });
  return from_bool(any);
}

Tri evaluate_ranges(const Match& m, std::uint32_t value) {
  const bool any = std::any_of(m.ranges.begin(), m.ranges.end(),
                               [&](const auto& r) { return value >= r.first && value <= r.second; });
  return from_bool(any);
}

Tri evaluate_prefixes(const Match& m, const IpAddress& a) {
  const bool any =
      std::any_of(m.prefixes.begin(), m.prefixes.end(), [&](const IpPrefix& p) { return p.contains(a); });
  return from_bool(any);
}

}  // namespace

Tri evaluate(const Match& m, const Packet& p) {
  Tri t = Tri::maybe;
  switch (m.field) {
    case Field::iifname:
      t = evaluate_interfaces(m, p.input_interface);
      break;
    case Field::oifname:
      t = evaluate_interfaces(m, p.output_interface);
      break;
    case Field::l4proto:
      t = evaluate_ranges(m, p.l4proto);
      break;
    case Field::nfproto:
      t = evaluate_ranges(m, p.destination.is_v4() ? 2u : 10u);
      break;
    case Field::saddr:
      t = evaluate_prefixes(m, p.source);
      break;
    case Field::daddr:
      t = evaluate_prefixes(m, p.destination);
      break;
    case Field::sport:
      t = p.source_port == 0 ? Tri::maybe : evaluate_ranges(m, p.source_port);
      break;
    case Field::dport:
      t = evaluate_ranges(m, p.destination_port);
      break;
    case Field::saddr_type:
      t = from_bool((m.mask & (1u << p.source_type)) != 0);
      break;
    case Field::daddr_type:
      t = from_bool((m.mask & (1u << p.destination_type)) != 0);
      break;
    case Field::ct_state: {
      const bool dnat = (m.mask & k_ct_state_dnat) != 0 && (p.ct_status & k_ct_status_dnat) != 0;
      const bool snat = (m.mask & k_ct_state_snat) != 0 && (p.ct_status & k_ct_status_snat) != 0;
      t = from_bool((m.mask & p.ct_state) != 0 || dnat || snat);
      break;
    }
    case Field::ct_status:
      t = from_bool((m.mask & p.ct_status) != 0);
      break;
    case Field::mark: {
      const std::uint32_t value = m.mask != 0 ? (p.mark & m.mask) : p.mark;
      t = evaluate_ranges(m, value);
      break;
    }
    case Field::ct_mark: {
      const std::uint32_t value = m.mask != 0 ? (p.ct_mark & m.mask) : p.ct_mark;
      t = evaluate_ranges(m, value);
      break;
    }
    case Field::tcp_flags:
      // Only a TCP header has flags; rules test the protocol first anyway.
      if (p.l4proto != 6) {
        return Tri::no;
      }
      t = evaluate_ranges(m, m.mask != 0 ? (p.tcp_flags & m.mask) : p.tcp_flags);
      break;
    case Field::port_pair: {
      // The destination port decides; the source port is the client's
      // ephemeral one, known or not.
      const bool any_dport = std::any_of(m.ranges.begin(), m.ranges.end(), [&](const auto& r) {
        return (r.first & 0xffff) == p.destination_port;
      });
      if (!any_dport) {
        t = Tri::no;
      } else if (p.source_port == 0) {
        t = Tri::maybe;
      } else {
        t = evaluate_ranges(m, (std::uint32_t{p.source_port} << 16) | p.destination_port);
      }
      break;
    }
    case Field::any_port:
      if (evaluate_ranges(m, p.destination_port) == Tri::yes) {
        t = Tri::yes;
      } else if (p.source_port != 0) {
        t = evaluate_ranges(m, p.source_port);
      } else {
        // An unknown source port is an ephemeral one (Linux: 32768-60999).
        const bool ephemeral = std::any_of(m.ranges.begin(), m.ranges.end(), [](const auto& r) {
          return r.second >= k_ephemeral_first && r.first <= k_ephemeral_last;
        });
        t = ephemeral ? Tri::maybe : Tri::no;
      }
      break;
    case Field::rpfilter:
      t = p.reverse_path_valid ? from_bool(*p.reverse_path_valid) : Tri::maybe;
      break;
    case Field::ip6_routing_header:
      t = Tri::no;  // the packets asked about carry no extension header
      break;
    case Field::always:
    case Field::random:
      t = Tri::yes;
      break;
    case Field::rate_limit:
      t = Tri::yes;  // the first packet of the question: no rate exceeded yet
      break;
    case Field::unknown:
      return Tri::maybe;
  }
  return negate_if(m.negated, t);
}

namespace {

/// `failed` is set to the first match that does not hold, when one does not.
Tri evaluate_all(const Rule& rule, const Packet& packet, const Match*& failed) {
  Tri result = Tri::yes;
  failed = nullptr;
  for (const auto& m : rule.matches) {
    const Tri t = evaluate(m, packet);
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
  Walker(const Ruleset& rules, Packet& packet, std::function<bool(const Rule&)> skip, bool record)
      : m_packet(packet),
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
      const Tri matched = evaluate_all(rule, m_packet, failed);
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
        const std::optional<const VmapEntry*> found = vmap_lookup(a, m_packet);
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
  Walker walker(rules, out.packet, options.skip, options.record_steps);
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
        return out;
      case Walker::End::reject:
        out.kind = HookOutcome::Kind::rejected;
        verdict(base, "reject");
        return out;
      case Walker::End::fell_through:
        if (base->base->policy_drop) {
          out.kind = HookOutcome::Kind::dropped;
          out.policy_chain = base;
          verdict(base, "policy drop");
          return out;
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
  return out;
}

}  // namespace whyno::nf
