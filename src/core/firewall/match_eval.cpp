#include "packet_walk.hpp"

#include <algorithm>

namespace whyno::nf {

namespace {

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

}  // namespace whyno::nf
