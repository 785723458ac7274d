#include "whyno/core/plan/kube_ports.hpp"

#include <algorithm>
#include <charconv>
#include <string_view>

namespace whyno {

namespace {

/// The one protocol and destination port a rule matches, when it names
/// exactly one of each.
std::optional<std::pair<Protocol, std::uint16_t>> single_port(const nf::Rule& rule) {
  std::optional<Protocol> protocol;
  std::optional<std::uint16_t> port;
  for (const nf::Match& m : rule.matches) {
    if (m.negated || m.ranges.size() != 1 || m.ranges[0].first != m.ranges[0].second) {
      continue;
    }
    if (m.field == nf::Field::l4proto) {
      protocol = protocol_of_ip_number(m.ranges[0].first);
    } else if (m.field == nf::Field::dport && m.ranges[0].first <= 65535) {
      port = static_cast<std::uint16_t>(m.ranges[0].first);
    }
  }
  if (!protocol || !port || *port == 0) {
    return std::nullopt;
  }
  return std::pair{*protocol, *port};
}

/// The entries of kube-proxy's NodePort map: `meta l4proto . th dport vmap`,
/// keyed "6 . 3001".
void add_map_node_ports(const nf::Rule& rule, std::vector<KubePort>& out) {
  const nf::Action& a = rule.action;
  if (a.kind != nf::ActionKind::vmap || a.vmap_key != nf::Field::l4proto || a.vmap_concat.size() != 1 ||
      a.vmap_concat[0] != nf::Field::dport) {
    return;
  }
  // `ip daddr @nodeport-ips`: the node's addresses that serve NodePorts.
  std::vector<IpPrefix> node_addresses;
  for (const nf::Match& m : rule.matches) {
    if (m.field == nf::Field::daddr && !m.negated) {
      node_addresses = m.prefixes;
    }
  }
  for (const nf::VmapEntry& e : a.vmap) {
    const auto dot = e.key.find(" . ");
    if (dot == std::string::npos) {
      continue;
    }
    std::uint32_t number = 0;
    std::uint32_t port = 0;
    const std::string_view proto_text = std::string_view(e.key).substr(0, dot);
    const std::string_view port_text = std::string_view(e.key).substr(dot + 3);
    if (std::from_chars(proto_text.data(), proto_text.data() + proto_text.size(), number).ec != std::errc() ||
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port).ec != std::errc() ||
        port == 0 || port > 65535) {
      continue;
    }
    if (const auto protocol = protocol_of_ip_number(number)) {
      out.push_back({KubePort::Kind::node_port, *protocol, static_cast<std::uint16_t>(port),
                     kube_service_of_chain(e.chain), std::nullopt, 0, node_addresses});
    }
  }
}

}  // namespace

std::string kube_service_of_chain(std::string_view chain) {
  const auto first = chain.find('-');
  const auto second = first == std::string_view::npos ? first : chain.find('-', first + 1);
  if (second == std::string_view::npos) {
    return {};
  }
  const std::string_view rest = chain.substr(second + 1);  // ns2/svc2/tcp/p80
  const auto port_name = rest.rfind('/');
  const auto proto = port_name == std::string_view::npos || port_name == 0 ? std::string_view::npos
                                                                           : rest.rfind('/', port_name - 1);
  if (proto == std::string_view::npos) {
    return {};
  }
  return std::string(rest.substr(0, proto)) + ":" + std::string(rest.substr(port_name + 1));
}

std::vector<KubePort> kube_ports(const nf::Ruleset& rules) {
  std::vector<KubePort> out;
  for (const nf::Rule& rule : rules.rules) {
    if (rule.table == "kube-proxy" && rule.backend == nf::Backend::nftables) {
      add_map_node_ports(rule, out);
      continue;
    }
    const auto port = single_port(rule);
    if (!port) {
      continue;
    }
    const bool to_service =
        (rule.action.kind == nf::ActionKind::jump || rule.action.kind == nf::ActionKind::goto_) &&
        (rule.action.chain.starts_with("KUBE-EXT-") || rule.action.chain.starts_with("KUBE-SVC-") ||
         rule.action.chain.starts_with("KUBE-SVL-"));
    if (rule.chain == "KUBE-NODEPORTS" && to_service) {
      out.push_back(
          {KubePort::Kind::node_port, port->first, port->second, rule.comment, std::nullopt, 0, {}});
    } else if ((rule.chain.starts_with("CNI-DN-") || rule.table == "cni_hostport") &&
               rule.action.kind == nf::ActionKind::dnat && rule.action.nat_address) {
      out.push_back({KubePort::Kind::host_port,
                     port->first,
                     port->second,
                     {},
                     rule.action.nat_address,
                     rule.action.nat_port_min != 0 ? rule.action.nat_port_min : port->second,
                     {}});
    }
  }
  // Each once: iptables mode writes a NodePort twice (localhost and not),
  // nftables mode in its no-endpoint map too. The one that names its
  // Service is kept.
  std::vector<KubePort> unique;
  for (KubePort& p : out) {
    const auto seen = std::find_if(unique.begin(), unique.end(), [&](const KubePort& u) {
      return u.kind == p.kind && u.protocol == p.protocol && u.port == p.port;
    });
    if (seen == unique.end()) {
      unique.push_back(std::move(p));
      continue;
    }
    if (seen->service.empty() && !p.service.empty()) {
      seen->service = std::move(p.service);
    }
    if (seen->node_addresses.empty()) {
      seen->node_addresses = std::move(p.node_addresses);
    }
  }
  return unique;
}

}  // namespace whyno
