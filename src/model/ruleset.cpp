#include "whyno/model/ruleset.hpp"

#include <fmt/format.h>

namespace whyno::nf {

std::string_view to_string(Family f) {
  switch (f) {
    case Family::ip:
      return "ip";
    case Family::ip6:
      return "ip6";
    case Family::inet:
      return "inet";
    case Family::arp:
      return "arp";
    case Family::bridge:
      return "bridge";
    case Family::netdev:
      return "netdev";
    case Family::other:
      break;
  }
  return "?";
}

std::string_view to_string(Hook h) {
  switch (h) {
    case Hook::prerouting:
      return "prerouting";
    case Hook::input:
      return "input";
    case Hook::forward:
      return "forward";
    case Hook::output:
      return "output";
    case Hook::postrouting:
      return "postrouting";
    case Hook::ingress:
      return "ingress";
    case Hook::other:
      break;
  }
  return "?";
}

std::string_view to_string(Backend b) { return b == Backend::nftables ? "nftables" : "iptables-legacy"; }

std::string_view to_string(ActionKind k) {
  switch (k) {
    case ActionKind::next:
      return "continue";
    case ActionKind::accept:
      return "accept";
    case ActionKind::drop:
      return "drop";
    case ActionKind::reject:
      return "reject";
    case ActionKind::return_:
      return "return";
    case ActionKind::jump:
      return "jump";
    case ActionKind::goto_:
      return "goto";
    case ActionKind::dnat:
      return "dnat";
    case ActionKind::snat:
      return "snat";
    case ActionKind::masquerade:
      return "masquerade";
    case ActionKind::redirect:
      return "redirect";
    case ActionKind::vmap:
      return "vmap";
    case ActionKind::queue:
      return "queue";
    case ActionKind::unknown:
      break;
  }
  return "unknown";
}

namespace {

std::string field_name(Field f) {
  switch (f) {
    case Field::iifname:
      return "iifname";
    case Field::oifname:
      return "oifname";
    case Field::l4proto:
      return "meta l4proto";
    case Field::nfproto:
      return "meta nfproto";
    case Field::saddr:
      return "saddr";
    case Field::daddr:
      return "daddr";
    case Field::sport:
      return "sport";
    case Field::dport:
      return "dport";
    case Field::saddr_type:
      return "fib saddr type";
    case Field::daddr_type:
      return "fib daddr type";
    case Field::ct_state:
      return "ct state";
    case Field::ct_status:
      return "ct status";
    case Field::mark:
      return "meta mark";
    case Field::tcp_flags:
      return "tcp flags";
    case Field::port_pair:
      return "th sport . th dport";
    case Field::any_port:
      return "th sport or th dport";
    case Field::ct_mark:
      return "ct mark";
    case Field::rpfilter:
      return "reverse path";
    case Field::ip6_routing_header:
      return "ip6 routing header";
    case Field::always:
    case Field::random:
    case Field::rate_limit:
    case Field::unknown:
      break;
  }
  return "?";
}

std::string address_types(std::uint32_t mask) {
  // Bit positions are RTN_* route types.
  static constexpr const char* k_names[] = {"unspec",   "unicast",   "local",     "broadcast",
                                            "anycast",  "multicast", "blackhole", "unreachable",
                                            "prohibit", "throw",     "nat",       "xresolve"};
  std::string out;
  for (unsigned bit = 0; bit < std::size(k_names); ++bit) {
    if ((mask & (1u << bit)) != 0) {
      out += out.empty() ? "" : ",";
      out += k_names[bit];
    }
  }
  return out.empty() ? fmt::format("{:#x}", mask) : out;
}

std::string ct_states(std::uint32_t mask) {
  static constexpr std::pair<std::uint32_t, const char*> k_states[] = {
      {1, "invalid"},    {2, "established"},        {4, "related"},           {8, "new"},
      {64, "untracked"}, {k_ct_state_snat, "snat"}, {k_ct_state_dnat, "dnat"}};
  std::string out;
  for (const auto& [bit, name] : k_states) {
    if ((mask & bit) != 0) {
      out += out.empty() ? "" : ",";
      out += name;
    }
  }
  return out.empty() ? fmt::format("{:#x}", mask) : out;
}

std::string ct_statuses(std::uint32_t mask) {
  std::string out;
  for (const auto& [bit, name] : {std::pair{k_ct_status_snat, "snat"}, std::pair{k_ct_status_dnat, "dnat"}}) {
    if ((mask & bit) != 0) {
      out += out.empty() ? "" : ",";
      out += name;
    }
  }
  return (mask & ~(k_ct_status_snat | k_ct_status_dnat)) != 0 || out.empty() ? fmt::format("{:#x}", mask)
                                                                             : out;
}

template <typename Items, typename Format>
std::string set_of(const Items& items, Format format) {
  if (items.size() == 1) {
    return format(items.front());
  }
  std::string out = "{ ";
  bool first = true;
  for (const auto& item : items) {
    out += first ? "" : ", ";
    out += format(item);
    first = false;
  }
  return out + " }";
}

std::string range_text(const std::pair<std::uint32_t, std::uint32_t>& r) {
  return r.first == r.second ? fmt::format("{}", r.first) : fmt::format("{}-{}", r.first, r.second);
}

std::string protocol_name(std::uint32_t number) {
  switch (number) {
    case 1:
      return "icmp";
    case 6:
      return "tcp";
    case 17:
      return "udp";
    case 58:
      return "icmpv6";
    case 132:
      return "sctp";
    default:
      return fmt::format("{}", number);
  }
}

}  // namespace

namespace {

/// "syn", "fin|syn|rst|ack": the TCP flag bits of `bits`, as nft names them.
std::string tcp_flag_names(std::uint32_t bits) {
  static constexpr std::pair<std::uint32_t, const char*> k_flags[] = {
      {0x01, "fin"}, {0x02, "syn"}, {0x04, "rst"}, {0x08, "psh"},
      {0x10, "ack"}, {0x20, "urg"}, {0x40, "ecn"}, {0x80, "cwr"}};
  std::string out;
  for (const auto& [bit, name] : k_flags) {
    if ((bits & bit) != 0) {
      out += out.empty() ? name : std::string("|") + name;
    }
  }
  return out.empty() ? std::string("0x0") : out;
}

/// A verdict map's key field as nft names it (`ip daddr . meta l4proto . th dport`).
std::string vmap_key_name(Field f, bool v6) {
  switch (f) {
    case Field::saddr:
    case Field::daddr:
      return fmt::format("{} {}", v6 ? "ip6" : "ip", field_name(f));
    case Field::sport:
    case Field::dport:
      return "th " + field_name(f);
    case Field::random:
      return "numgen";
    default:
      return field_name(f);
  }
}

std::string masked_values(const Match& m) {
  return set_of(m.ranges, [](const auto& r) {
    return r.first == r.second ? fmt::format("{:#x}", r.first)
                               : fmt::format("{:#x}-{:#x}", r.first, r.second);
  });
}

}  // namespace

std::string describe(const Match& m) {
  const char* op = m.negated ? " != " : " ";
  switch (m.field) {
    case Field::iifname:
    case Field::oifname:
      return field_name(m.field) + op + set_of(m.interfaces, [](const InterfaceName& i) {
               return fmt::format("\"{}{}\"", i.name, i.prefix ? "*" : "");
             });
    case Field::l4proto:
      return field_name(m.field) + op +
             set_of(m.ranges, [](const auto& r) { return protocol_name(r.first); });
    case Field::nfproto:
      return field_name(m.field) + op + set_of(m.ranges, [](const auto& r) {
               return std::string(r.first == 2 ? "ipv4" : r.first == 10 ? "ipv6" : "?");
             });
    case Field::saddr:
    case Field::daddr: {
      const bool v6 = !m.prefixes.empty() && m.prefixes.front().address.is_v6();
      return fmt::format("{} {}{}{}", v6 ? "ip6" : "ip", field_name(m.field), op,
                         set_of(m.prefixes, [](const IpPrefix& p) {
                           const unsigned full = p.address.is_v4() ? 32 : 128;
                           return p.length == full ? p.address.to_string() : p.to_string();
                         }));
    }
    case Field::sport:
    case Field::dport:
      return fmt::format("th {}{}{}", field_name(m.field), op, set_of(m.ranges, range_text));
    case Field::saddr_type:
    case Field::daddr_type:
      return field_name(m.field) + op + address_types(m.mask);
    case Field::ct_state:
      return field_name(m.field) + op + ct_states(m.mask);
    case Field::ct_status:
      return field_name(m.field) + op + ct_statuses(m.mask);
    case Field::mark:
    case Field::ct_mark:
      return fmt::format("{}{}{}{}", field_name(m.field), m.mask != 0 ? fmt::format(" & {:#x}", m.mask) : "",
                         m.negated ? " != " : " == ", masked_values(m));
    case Field::tcp_flags: {
      const std::string values = set_of(m.ranges, [](const auto& r) { return tcp_flag_names(r.first); });
      return m.mask != 0 ? fmt::format("tcp flags & ({}){}{}", tcp_flag_names(m.mask),
                                       m.negated ? " != " : " == ", values)
                         : fmt::format("tcp flags{}{}", op, values);
    }
    case Field::port_pair:
      return fmt::format("th sport . th dport{}{}", op, set_of(m.ranges, [](const auto& r) {
                           return fmt::format("{} . {}", r.first >> 16, r.first & 0xffff);
                         }));
    case Field::any_port:
      return fmt::format("th sport or th dport{}{}", op, set_of(m.ranges, range_text));
    case Field::rpfilter:
      return m.negated ? "fib saddr . iif oif missing" : "fib saddr . iif oif exists";
    case Field::ip6_routing_header:
    case Field::always:
    case Field::random:
    case Field::rate_limit:
    case Field::unknown:
      break;
  }
  return m.text.empty() ? "<unknown match>" : m.text;
}

std::string describe(const Action& a) {
  switch (a.kind) {
    case ActionKind::jump:
    case ActionKind::goto_:
      return fmt::format("{} {}", to_string(a.kind), a.chain);
    case ActionKind::dnat:
    case ActionKind::snat: {
      std::string out(to_string(a.kind));
      out += " to ";
      if (a.nat_address) {
        out += a.nat_port_min != 0 ? a.nat_address->to_string_for_port() : a.nat_address->to_string();
      }
      if (a.nat_port_min != 0) {
        out += fmt::format(":{}", a.nat_port_min);
        if (a.nat_port_max != a.nat_port_min && a.nat_port_max != 0) {
          out += fmt::format("-{}", a.nat_port_max);
        }
      }
      return out;
    }
    case ActionKind::redirect:
      return a.nat_port_min != 0 ? fmt::format("redirect to :{}", a.nat_port_min) : "redirect";
    case ActionKind::vmap: {
      const bool v6 = !a.vmap.empty() && a.vmap.front().key.find(':') != std::string::npos;
      std::string out = vmap_key_name(a.vmap_key, v6);
      for (const Field f : a.vmap_concat) {
        out += " . " + vmap_key_name(f, v6);
      }
      out += " vmap { ";
      // Interface names are quoted, as nft prints them; numbers and
      // addresses are not.
      const bool quoted =
          a.vmap_concat.empty() && (a.vmap_key == Field::iifname || a.vmap_key == Field::oifname);
      bool first = true;
      for (const auto& e : a.vmap) {
        out += first ? "" : ", ";
        out += fmt::format("{}{}{} : {}{}", quoted ? "\"" : "", e.key, quoted ? "\"" : "", to_string(e.kind),
                           e.chain.empty() ? "" : " " + e.chain);
        first = false;
      }
      return out + " }";
    }
    case ActionKind::unknown:
      return a.text.empty() ? "<unknown action>" : a.text;
    case ActionKind::next:
      return {};
    default:
      return std::string(to_string(a.kind));
  }
}

std::string describe(const Rule& rule) {
  std::string out;
  for (const auto& m : rule.matches) {
    out += out.empty() ? "" : " ";
    out += describe(m);
  }
  const std::string action = describe(rule.action);
  if (!action.empty()) {
    out += out.empty() ? "" : " ";
    out += action;
  }
  if (!rule.comment.empty()) {
    out += fmt::format(" comment \"{}\"", rule.comment);
  }
  return out;
}

std::string describe_chain(Backend b, Family f, const std::string& table, const std::string& chain) {
  if (b == Backend::legacy) {
    return fmt::format("{} {} {}", f == Family::ip6 ? "ip6tables-legacy" : "iptables-legacy", table, chain);
  }
  return fmt::format("{} {} {}", to_string(f), table, chain);
}

std::string describe_chain(const Rule& rule) {
  return describe_chain(rule.backend, rule.family, rule.table, rule.chain);
}

std::string describe_chain(const Chain& chain) {
  return describe_chain(chain.backend, chain.family, chain.table, chain.name);
}

}  // namespace whyno::nf
