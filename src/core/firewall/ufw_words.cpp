#include "ufw_words.hpp"

#include <fmt/format.h>

#include "whyno/util/words.hpp"

namespace whyno::detail {

namespace {

/// "203.0.113.2" for a host, "198.51.100.0/24" for a network, "any" for none.
std::optional<std::string> address_words(const nf::Match* m) {
  if (m == nullptr) {
    return "any";
  }
  if (m->negated || m->prefixes.size() != 1) {
    return std::nullopt;
  }
  const IpPrefix& p = m->prefixes.front();
  const bool host = p.length == (p.address.is_v4() ? 32u : 128u);
  return host ? p.address.to_string() : p.to_string();
}

/// "80", "8000:8100" or "22,80": ufw's port syntax.
std::optional<std::string> port_words(const nf::Match* m) {
  if (m == nullptr || m->negated || m->ranges.empty()) {
    return std::nullopt;
  }
  std::string out;
  for (const auto& [low, high] : m->ranges) {
    out += out.empty() ? "" : ",";
    out += low == high ? std::to_string(low) : fmt::format("{}:{}", low, high);
  }
  return out;
}

std::optional<std::string> interface_words(const nf::Match* m) {
  if (m == nullptr) {
    return std::string();
  }
  if (m->negated || m->interfaces.size() != 1 || m->interfaces.front().prefix) {
    return std::nullopt;
  }
  return shell_word(m->interfaces.front().name);
}

std::optional<std::string> action_words(nf::ActionKind kind) {
  switch (kind) {
    case nf::ActionKind::accept:
      return "allow";
    case nf::ActionKind::drop:
      return "deny";
    case nf::ActionKind::reject:
      return "reject";
    default:
      return std::nullopt;
  }
}

}  // namespace

std::optional<std::string> ufw_rule_words(const nf::Rule& rule) {
  const nf::Match* source = nullptr;
  const nf::Match* destination = nullptr;
  const nf::Match* protocol = nullptr;
  const nf::Match* source_port = nullptr;
  const nf::Match* destination_port = nullptr;
  const nf::Match* in = nullptr;
  const nf::Match* out = nullptr;
  for (const nf::Match& m : rule.matches) {
    const nf::Match** slot = nullptr;
    switch (m.field) {
      case nf::Field::saddr:
        slot = &source;
        break;
      case nf::Field::daddr:
        slot = &destination;
        break;
      case nf::Field::l4proto:
        slot = &protocol;
        break;
      case nf::Field::sport:
        slot = &source_port;
        break;
      case nf::Field::dport:
        slot = &destination_port;
        break;
      case nf::Field::iifname:
        slot = &in;
        break;
      case nf::Field::oifname:
        slot = &out;
        break;
      case nf::Field::nfproto:
        continue;  // ufw writes a rule for each family it applies to
      default:
        return std::nullopt;
    }
    if (*slot != nullptr) {
      return std::nullopt;  // twice: not a rule of ufw's syntax
    }
    *slot = &m;
  }
  const auto action = action_words(rule.action.kind);
  const auto from = address_words(source);
  const auto to = address_words(destination);
  const auto on_in = interface_words(in);
  const auto on_out = interface_words(out);
  if (!action || !from || !to || !on_in || !on_out) {
    return std::nullopt;
  }
  std::string proto;
  if (protocol != nullptr) {
    if (protocol->negated || protocol->ranges.size() != 1 ||
        protocol->ranges.front().first != protocol->ranges.front().second) {
      return std::nullopt;
    }
    const std::uint32_t number = protocol->ranges.front().first;
    if (number != 6 && number != 17) {
      return std::nullopt;
    }
    proto = number == 6 ? "tcp" : "udp";
  }
  std::string words = *action;
  words += on_in->empty() ? "" : " in on " + *on_in;
  words += on_out->empty() ? "" : " out on " + *on_out;
  words += proto.empty() ? "" : " proto " + proto;
  words += " from " + *from;
  if (source_port != nullptr) {
    const auto ports = port_words(source_port);
    if (!ports) {
      return std::nullopt;
    }
    words += " port " + *ports;
  }
  words += " to " + *to;
  if (destination_port != nullptr) {
    const auto ports = port_words(destination_port);
    if (!ports) {
      return std::nullopt;
    }
    words += " port " + *ports;
  }
  return words;
}

std::string ufw_command_prefix(const nf::Rule& rule) {
  const bool route =
      rule.chain.starts_with("ufw-user-forward") || rule.chain.starts_with("ufw6-user-forward");
  return route ? "ufw route " : "ufw ";
}

}  // namespace whyno::detail
