#include "rule_syntax.hpp"

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "whyno/util/words.hpp"

namespace whyno::nf {

namespace {

constexpr std::array<std::string_view, 5> k_iptables_tables = {"filter", "nat", "mangle", "raw", "security"};
constexpr std::array<std::string_view, 5> k_builtin_chains = {"PREROUTING", "INPUT", "FORWARD", "OUTPUT",
                                                              "POSTROUTING"};

template <typename Array>
bool one_of(const Array& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

bool same_table(const Rule& a, Backend backend, Family family, const std::string& table) {
  return a.backend == backend && a.family == family && a.table == table;
}

bool is_xt(const Rule& r) {
  const bool match = std::any_of(r.matches.begin(), r.matches.end(), [](const Match& m) {
    return m.text.starts_with("xt ") || m.text.starts_with("-m ");
  });
  return match || (r.action.kind == ActionKind::unknown && r.action.text.starts_with("xt "));
}

/// The xt decoders' words are "-m recent --rcheck --name x: whether ...":
/// iptables' own spelling, then what it means. A rule shows the spelling.
std::string xt_spelling(const std::string& text) { return text.substr(0, text.find(": ")); }

std::string joined(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const std::string& item : items) {
    out += out.empty() ? "" : std::string(separator);
    out += item;
  }
  return out;
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
      return "ipv6-icmp";
    case 132:
      return "sctp";
    default:
      return fmt::format("{}", number);
  }
}

/// "tcp" for `-m tcp --dport` and nft's `tcp dport`, from the rule's
/// protocol match; "" when the rule has none or several.
std::string port_protocol(const Rule& r) {
  for (const Match& m : r.matches) {
    if (m.field == Field::l4proto && !m.negated && m.ranges.size() == 1 &&
        m.ranges.front().first == m.ranges.front().second) {
      const std::uint32_t p = m.ranges.front().first;
      if (p == 6 || p == 17 || p == 132) {
        return protocol_name(p);
      }
    }
  }
  return {};
}

std::string bang(const Match& m) { return m.negated ? "! " : ""; }

std::string prefixes(const Match& m) {
  std::vector<std::string> out;
  for (const IpPrefix& p : m.prefixes) {
    out.push_back(p.to_string());
  }
  return joined(out, ",");
}

std::string interfaces(const Match& m) {
  std::vector<std::string> out;
  for (const InterfaceName& i : m.interfaces) {
    out.push_back(i.name + (i.prefix ? "+" : ""));
  }
  return joined(out, ",");
}

std::string port_ranges(const Match& m) {
  std::vector<std::string> out;
  for (const auto& [low, high] : m.ranges) {
    out.push_back(low == high ? fmt::format("{}", low) : fmt::format("{}:{}", low, high));
  }
  return joined(out, ",");
}

std::string flag_names(std::uint32_t mask,
                       std::initializer_list<std::pair<std::uint32_t, const char*>> names) {
  std::vector<std::string> out;
  std::uint32_t left = mask;
  for (const auto& [bit, name] : names) {
    if ((mask & bit) != 0) {
      out.emplace_back(name);
      left &= ~bit;
    }
  }
  if (left != 0 || out.empty()) {
    out.push_back(fmt::format("{:#x}", left));
  }
  return joined(out, ",");
}

std::string address_types(std::uint32_t mask) {
  static constexpr const char* k_names[] = {"UNSPEC",   "UNICAST",   "LOCAL",     "BROADCAST",
                                            "ANYCAST",  "MULTICAST", "BLACKHOLE", "UNREACHABLE",
                                            "PROHIBIT", "THROW",     "NAT",       "XRESOLVE"};
  std::vector<std::string> out;
  for (unsigned bit = 0; bit < std::size(k_names); ++bit) {
    if ((mask & (1u << bit)) != 0) {
      out.emplace_back(k_names[bit]);
    }
  }
  return out.empty() ? fmt::format("{:#x}", mask) : joined(out, ",");
}

std::string iptables_match(const Match& m, const std::string& protocol) {
  switch (m.field) {
    case Field::iifname:
      return fmt::format("{}-i {}", bang(m), interfaces(m));
    case Field::oifname:
      return fmt::format("{}-o {}", bang(m), interfaces(m));
    case Field::saddr:
      return fmt::format("{}-s {}", bang(m), prefixes(m));
    case Field::daddr:
      return fmt::format("{}-d {}", bang(m), prefixes(m));
    case Field::l4proto: {
      std::vector<std::string> names;
      for (const auto& range : m.ranges) {
        names.push_back(protocol_name(range.first));
      }
      return fmt::format("{}-p {}", bang(m), joined(names, ","));
    }
    case Field::nfproto:
      return {};  // iptables or ip6tables says it
    case Field::sport:
    case Field::dport: {
      const char* flag = m.field == Field::sport ? "sport" : "dport";
      if (m.ranges.size() == 1) {
        return fmt::format("-m {} {}--{} {}", protocol.empty() ? "tcp" : protocol, bang(m), flag,
                           port_ranges(m));
      }
      return fmt::format("-m multiport {}--{}s {}", bang(m), flag, port_ranges(m));
    }
    case Field::saddr_type:
    case Field::daddr_type:
      return fmt::format("-m addrtype {}--{}-type {}", bang(m), m.field == Field::saddr_type ? "src" : "dst",
                         address_types(m.mask));
    case Field::ct_state:
      return fmt::format("-m conntrack {}--ctstate {}", bang(m),
                         flag_names(m.mask, {{1, "INVALID"},
                                             {8, "NEW"},
                                             {4, "RELATED"},
                                             {2, "ESTABLISHED"},
                                             {64, "UNTRACKED"},
                                             {k_ct_state_snat, "SNAT"},
                                             {k_ct_state_dnat, "DNAT"}}));
    case Field::ct_status:
      return fmt::format("-m conntrack {}--ctstatus {}", bang(m),
                         flag_names(m.mask, {{1, "EXPECTED"},
                                             {2, "SEEN_REPLY"},
                                             {4, "ASSURED"},
                                             {8, "CONFIRMED"},
                                             {k_ct_status_snat, "SNAT"},
                                             {k_ct_status_dnat, "DNAT"}}));
    case Field::mark: {
      std::vector<std::string> values;
      for (const auto& [low, high] : m.ranges) {
        values.push_back(low == high ? fmt::format("{:#x}", low) : fmt::format("{:#x}-{:#x}", low, high));
      }
      return fmt::format("-m mark {}--mark {}{}", bang(m), joined(values, ","),
                         m.mask != 0 ? fmt::format("/{:#x}", m.mask) : "");
    }
    case Field::ct_mark: {
      const std::uint32_t value = m.ranges.empty() ? 0 : m.ranges.front().first;
      return fmt::format("-m connmark {}--mark {:#x}{}", bang(m), value,
                         m.mask != 0 ? fmt::format("/{:#x}", m.mask) : "");
    }
    case Field::tcp_flags: {
      const auto names = [](std::uint32_t bits) {
        return flag_names(bits, {{0x01, "FIN"},
                                 {0x02, "SYN"},
                                 {0x04, "RST"},
                                 {0x08, "PSH"},
                                 {0x10, "ACK"},
                                 {0x20, "URG"},
                                 {0x40, "ECE"},
                                 {0x80, "CWR"}});
      };
      const std::uint32_t mask = m.mask != 0 ? m.mask : 0xff;
      const std::uint32_t value = m.ranges.empty() ? 0 : m.ranges.front().first;
      if (mask == 0x17 && value == 0x02 && m.ranges.size() == 1) {
        return fmt::format("-m tcp {}--syn", bang(m));
      }
      return fmt::format("-m tcp {}--tcp-flags {} {}", bang(m), names(mask),
                         value == 0 ? std::string("NONE") : names(value));
    }
    case Field::port_pair: {
      const std::uint32_t pair = m.ranges.empty() ? 0 : m.ranges.front().first;
      return fmt::format("-m {} {}--sport {} {}--dport {}", protocol.empty() ? "tcp" : protocol, bang(m),
                         pair >> 16, bang(m), pair & 0xffff);
    }
    case Field::any_port: {
      std::vector<std::string> ports;
      for (const auto& [low, high] : m.ranges) {
        ports.push_back(low == high ? std::to_string(low) : fmt::format("{}:{}", low, high));
      }
      return fmt::format("-m multiport {}--ports {}", bang(m), joined(ports, ","));
    }
    case Field::rpfilter:
      return fmt::format("{}{}", m.text.starts_with("-m ") ? m.text : std::string("-m rpfilter"),
                         m.negated ? " --invert" : "");
    case Field::ip6_routing_header:
      return m.text.starts_with("-m ") ? m.text : std::string("-m rt");
    case Field::always:
    case Field::random:
    case Field::rate_limit: {
      if (m.text.starts_with("-m ")) {
        return xt_spelling(m.text);
      }
      // "limit 3/minute burst 10 ..." -> "-m limit 3/minute burst 10 ...": the words say it.
      const std::string_view words = m.text;
      const auto first = words.substr(0, words.find(' '));
      return fmt::format(
          "-m {}{}", first,
          words.size() > first.size() ? fmt::format(" [{}]", words.substr(first.size() + 1)) : "");
    }
    case Field::unknown:
      break;
  }
  if (m.text.starts_with("xt match ")) {
    return "-m " + m.text.substr(9);
  }
  if (m.text.starts_with("-m ")) {
    return xt_spelling(m.text);
  }
  return fmt::format("[{}]", m.text.empty() ? "unknown match" : m.text);
}

std::string nat_to(const Action& a) {
  std::string out;
  if (a.nat_address) {
    out += a.nat_port_min != 0 ? a.nat_address->to_string_for_port() : a.nat_address->to_string();
  }
  if (a.nat_port_min != 0) {
    out += fmt::format(":{}", a.nat_port_min);
    if (a.nat_port_max != 0 && a.nat_port_max != a.nat_port_min) {
      out += fmt::format("-{}", a.nat_port_max);
    }
  }
  return out;
}

std::string iptables_action(const Action& a) {
  switch (a.kind) {
    case ActionKind::next:
      return {};
    case ActionKind::accept:
      return "-j ACCEPT";
    case ActionKind::drop:
      return "-j DROP";
    case ActionKind::reject:
      return "-j REJECT";
    case ActionKind::return_:
      return "-j RETURN";
    case ActionKind::jump:
      return "-j " + a.chain;
    case ActionKind::goto_:
      return "-g " + a.chain;
    case ActionKind::dnat:
      return "-j DNAT --to-destination " + nat_to(a);
    case ActionKind::snat:
      return "-j SNAT --to-source " + nat_to(a);
    case ActionKind::masquerade:
      return "-j MASQUERADE";
    case ActionKind::redirect:
      return a.nat_port_min != 0 ? fmt::format("-j REDIRECT --to-ports {}", a.nat_port_min) : "-j REDIRECT";
    case ActionKind::queue:
      return "-j NFQUEUE";
    case ActionKind::vmap:
      return fmt::format("[{}]", describe(a));
    case ActionKind::unknown:
      break;
  }
  if (a.text.starts_with("xt target ")) {
    return "-j " + a.text.substr(10);
  }
  return fmt::format("[{}]", a.text.empty() ? "unknown action" : a.text);
}

/// iptables -S puts the address, interface and protocol options first.
int iptables_rank(Field f) {
  switch (f) {
    case Field::saddr:
      return 0;
    case Field::daddr:
      return 1;
    case Field::iifname:
      return 2;
    case Field::oifname:
      return 3;
    case Field::l4proto:
      return 4;
    default:
      return 5;
  }
}

}  // namespace

std::string_view to_string(Syntax syntax) { return syntax == Syntax::iptables ? "iptables" : "nft"; }

bool written_by_iptables(const Ruleset& rules, const Rule& rule) {
  if (rule.backend == Backend::legacy) {
    return true;
  }
  // The rule's own bytes first (netfilter/nft_writer.hpp): a native rule a user
  // added to iptables-nft's filter table is nft's, with its handle.
  if (rule.writer != Writer::unknown) {
    return rule.writer == Writer::iptables;
  }
  if ((rule.family != Family::ip && rule.family != Family::ip6) || !one_of(k_iptables_tables, rule.table)) {
    return false;
  }
  const bool builtin = std::any_of(rules.chains.begin(), rules.chains.end(), [&](const Chain& c) {
    return c.backend == rule.backend && c.family == rule.family && c.table == rule.table && c.base &&
           one_of(k_builtin_chains, c.name);
  });
  return builtin || std::any_of(rules.rules.begin(), rules.rules.end(), [&](const Rule& r) {
           return same_table(r, rule.backend, rule.family, rule.table) && is_xt(r);
         });
}

std::size_t position_in_chain(const Ruleset& rules, const Rule& rule) {
  std::size_t position = 0;
  for (const Rule& r : rules.rules) {
    if (!same_table(r, rule.backend, rule.family, rule.table) || r.chain != rule.chain) {
      continue;
    }
    ++position;
    if (&r == &rule || (r.handle == rule.handle && r.backend == Backend::nftables)) {
      return position;
    }
  }
  return 0;
}

std::string iptables_text(const Rule& rule) {
  std::vector<const Match*> ordered;
  for (const Match& m : rule.matches) {
    ordered.push_back(&m);
  }
  std::stable_sort(ordered.begin(), ordered.end(), [](const Match* a, const Match* b) {
    return iptables_rank(a->field) < iptables_rank(b->field);
  });
  const std::string protocol = port_protocol(rule);
  std::string out = "-A " + rule.chain;
  for (const Match* m : ordered) {
    const std::string text = iptables_match(*m, protocol);
    if (!text.empty()) {
      out += " " + text;
    }
  }
  if (!rule.comment.empty()) {
    out += fmt::format(" -m comment --comment \"{}\"", rule.comment);
  }
  const std::string action = iptables_action(rule.action);
  if (!action.empty()) {
    out += " " + action;
  }
  return out;
}

std::string nft_text(const Rule& rule) {
  // nft writes `tcp dport 80` and leaves out the protocol match it implies.
  const std::string protocol = port_protocol(rule);
  const bool has_port = std::any_of(rule.matches.begin(), rule.matches.end(), [](const Match& m) {
    return m.field == Field::dport || m.field == Field::sport;
  });
  std::string out;
  for (const Match& m : rule.matches) {
    std::string text;
    if (m.field == Field::l4proto && has_port && !protocol.empty() && !m.negated) {
      continue;
    }
    text = describe(m);
    if ((m.field == Field::dport || m.field == Field::sport) && !protocol.empty() &&
        text.starts_with("th ")) {
      text = protocol + text.substr(2);
    }
    out += out.empty() ? "" : " ";
    out += text;
  }
  const std::string action = describe(rule.action);
  if (!action.empty()) {
    out += out.empty() ? "" : " ";
    out += action;
  }
  if (!rule.comment.empty()) {
    out += fmt::format("{}comment \"{}\"", out.empty() ? "" : " ", rule.comment);
  }
  return out;
}

AuthoredRule authored(const Ruleset& rules, const Rule& rule) {
  AuthoredRule out;
  out.position = position_in_chain(rules, rule);
  if (written_by_iptables(rules, rule)) {
    out.syntax = Syntax::iptables;
    out.tool = fmt::format("{}tables-{}", rule.family == Family::ip6 ? "ip6" : "ip",
                           rule.backend == Backend::legacy ? "legacy" : "nft");
    out.text = iptables_text(rule);
    out.location = fmt::format("{} {}, rule {}", rule.table, rule.chain, out.position);
    return out;
  }
  out.syntax = Syntax::nft;
  out.tool = "nft";
  out.handle = rule.handle;
  out.text = nft_text(rule);
  out.location =
      fmt::format("{} {} {} handle {}", to_string(rule.family), rule.table, rule.chain, rule.handle);
  return out;
}

std::vector<std::string> delete_commands(const AuthoredRule& authored, const Rule& rule) {
  if (authored.syntax == Syntax::iptables) {
    if (authored.position == 0) {
      return {};
    }
    // Debian's iptables is iptables-nft; the legacy tool keeps its name.
    std::string tool = authored.tool;
    if (tool.ends_with("-nft")) {
      tool.resize(tool.size() - 4);
    }
    const std::string table =
        rule.table == "filter" ? std::string() : fmt::format(" -t {}", shell_word(rule.table));
    const std::string chain = shell_word(rule.chain);
    return {fmt::format("{}{} -L {} --line-numbers -n", tool, table, chain),
            fmt::format("{}{} -D {} {}", tool, table, chain, authored.position),
            "netfilter-persistent save  # only if iptables-persistent restores your rules at boot"};
  }
  if (rule.handle == 0) {
    return {};
  }
  const std::string where =
      fmt::format("{} {} {}", to_string(rule.family), shell_word(rule.table), shell_word(rule.chain));
  return {fmt::format("nft -a list chain {}", where),
          fmt::format("nft delete rule {} handle {}", where, rule.handle),
          "# and take it out of /etc/nftables.conf (or what loads your rules), or it comes back at boot"};
}

std::string display(const AuthoredRule& rule) {
  if (rule.syntax == Syntax::iptables) {
    return fmt::format("`{}` ({} {})", rule.text, rule.tool, rule.location);
  }
  return fmt::format("{}: `{}`", rule.location, rule.text);
}

}  // namespace whyno::nf
