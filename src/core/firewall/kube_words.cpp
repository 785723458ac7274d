#include "kube_words.hpp"

#include <vector>

#include <fmt/format.h>

#include "vmap_lookup.hpp"
#include "whyno/core/plan/kube_ports.hpp"
#include "whyno/util/printable.hpp"
#include "whyno/util/words.hpp"

namespace whyno::detail {

namespace {

constexpr std::string_view k_nft_table = "kube-proxy";

/// "ns6/svc6:p80 has no endpoints" -> "ns6/svc6:p80" when `comment` ends so.
std::optional<std::string> named_before(const std::string& comment, std::string_view suffix) {
  if (!comment.ends_with(suffix) || comment.size() == suffix.size()) {
    return std::nullopt;
  }
  return comment.substr(0, comment.size() - suffix.size());
}

/// The element of kube-proxy's no-endpoint maps the packet finds, in the
/// chains that look them up.
const nf::VmapEntry* no_endpoint_entry(const nf::Ruleset& rules, const nf::Packet& packet) {
  for (const nf::Rule& r : rules.rules) {
    if (r.table != k_nft_table || r.action.kind != nf::ActionKind::vmap ||
        (r.chain != "service-endpoints-check" && r.chain != "nodeport-endpoints-check")) {
      continue;
    }
    nf::RandomChoice random;
    const auto found = nf::vmap_lookup(r.action, packet, random);
    if (found && *found != nullptr) {
      return *found;
    }
  }
  return nullptr;
}

std::optional<KubeDrop> iptables_drop(const nf::Rule& rule) {
  if (auto s = named_before(rule.comment, " has no endpoints")) {
    return KubeDrop{KubeDrop::Kind::no_endpoints, *s};
  }
  if (auto s = named_before(rule.comment, " has no local endpoints")) {
    return KubeDrop{KubeDrop::Kind::no_local_endpoints, *s};
  }
  // KUBE-PROXY-FIREWALL: "ns5/svc5:p80 traffic not accepted by KUBE-FW-...";
  // before 1.27 the KUBE-FW chain's own "other traffic to ns5/svc5:p80 loadbalancer IP".
  if (const auto at = rule.comment.find(" traffic not accepted by KUBE-FW-");
      at != std::string::npos && at > 0) {
    return KubeDrop{KubeDrop::Kind::source_range, rule.comment.substr(0, at)};
  }
  constexpr std::string_view k_other = "other traffic to ";
  if (rule.comment.starts_with(k_other)) {
    if (auto s = named_before(rule.comment.substr(k_other.size()), " loadbalancer IP")) {
      return KubeDrop{KubeDrop::Kind::source_range, *s};
    }
  }
  return std::nullopt;
}

std::optional<KubeDrop> nftables_drop(const nf::Rule& rule, const nf::Ruleset& rules,
                                      const nf::Packet& packet) {
  if (rule.table != k_nft_table) {
    return std::nullopt;
  }
  if (rule.chain == "reject-chain") {
    const nf::VmapEntry* e = no_endpoint_entry(rules, packet);
    return KubeDrop{KubeDrop::Kind::no_endpoints, e != nullptr ? e->comment : std::string()};
  }
  if (rule.action.kind == nf::ActionKind::vmap) {
    const nf::VmapEntry* e = no_endpoint_entry(rules, packet);
    if (e != nullptr && e->kind == nf::ActionKind::drop) {
      return KubeDrop{KubeDrop::Kind::no_local_endpoints, e->comment};
    }
    return std::nullopt;
  }
  if (rule.chain.starts_with("firewall-") && rule.chain != "firewall-check") {
    return KubeDrop{KubeDrop::Kind::source_range, kube_service_of_chain(rule.chain)};
  }
  if (rule.chain == "cluster-ips-check") {
    return KubeDrop{rule.action.kind == nf::ActionKind::reject ? KubeDrop::Kind::cluster_ip_port
                                                               : KubeDrop::Kind::unallocated_cluster_ip,
                    {}};
  }
  return std::nullopt;
}

struct ServiceWords {
  std::string phrase;  // "Service ns6/svc6 (port p80)" or "the Service"
  std::string ns = "NAMESPACE";
  std::string name = "SERVICE";
  bool known = false;
};

/// "ns6/svc6:p80" in words and as kubectl's arguments.
ServiceWords words_of(const std::string& service) {
  ServiceWords w;
  const auto slash = service.find('/');
  const auto colon = service.rfind(':');
  if (slash == std::string::npos || slash == 0 || slash + 1 >= service.size()) {
    w.phrase = "the Service";
    return w;
  }
  const std::string ns = service.substr(0, slash);
  const std::string name = colon != std::string::npos && colon > slash
                               ? service.substr(slash + 1, colon - slash - 1)
                               : service.substr(slash + 1);
  const std::string port = colon != std::string::npos && colon > slash ? service.substr(colon + 1) : "";
  w.ns = shell_word(ns);
  w.name = shell_word(name);
  w.known = true;
  w.phrase = port.empty()
                 ? fmt::format("Service {}/{}", printable(ns), printable(name))
                 : fmt::format("Service {}/{} (port {})", printable(ns), printable(name), printable(port));
  return w;
}

}  // namespace

std::optional<Problem> localhost_nodeport(const nf::Ruleset& rules, const IpAddress& destination,
                                          std::uint8_t l4proto, std::uint16_t port) {
  if (!destination.is_loopback()) {
    return std::nullopt;
  }
  nf::Packet packet;
  packet.destination = destination;
  packet.l4proto = l4proto;
  packet.destination_port = port;
  for (const nf::Rule& r : rules.rules) {
    // `ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports`
    if (r.table != k_nft_table || r.chain != "services" || r.action.kind != nf::ActionKind::vmap ||
        r.action.vmap_key != nf::Field::l4proto) {
      continue;
    }
    nf::RandomChoice random;
    const auto entry = nf::vmap_lookup(r.action, packet, random);
    if (!entry || *entry == nullptr) {
      continue;
    }
    std::vector<std::string> node_addresses;
    for (const nf::Match& m : r.matches) {
      if (m.field == nf::Field::daddr && !m.negated) {
        for (const IpPrefix& p : m.prefixes) {
          node_addresses.push_back(fmt::format("{}:{}", p.address.to_string_for_port(), port));
        }
      }
    }
    const std::string dial = node_addresses.empty() ? fmt::format("the node's own address, port {}", port)
                                                    : join_words(node_addresses, "or");
    return Problem{
        Verdict::localhost_nodeport_unsupported,
        fmt::format("Port {} is a NodePort, but kube-proxy's nftables mode serves NodePorts on the "
                    "node's addresses only, not on {} (its iptables mode did, with route_localnet).",
                    port, destination.to_string()),
        fmt::format("Dial {}, from this node too.", dial)};
  }
  return std::nullopt;
}

std::optional<KubeDrop> kube_drop(const nf::Rule& rule, const nf::Ruleset& rules, const nf::Packet& packet) {
  if (auto d = iptables_drop(rule)) {
    return d;
  }
  return nftables_drop(rule, rules, packet);
}

Problem kube_problem(const KubeDrop& drop, const nf::Packet& packet, const std::string& flow,
                     const std::string& rule_text) {
  const ServiceWords s = words_of(drop.service);
  Problem p;
  switch (drop.kind) {
    case KubeDrop::Kind::no_endpoints: {
      p.verdict = Verdict::service_no_endpoints;
      p.summary = fmt::format(
          "{} has no endpoints: no ready pod matches its selector, so kube-proxy rejects {} ({}).", s.phrase,
          flow, rule_text);
      const std::string slices =
          fmt::format("kubectl get endpointslices -n {} -l kubernetes.io/service-name={}", s.ns, s.name);
      const std::string describe = fmt::format("kubectl describe service -n {} {}", s.ns, s.name);
      p.fix = fmt::format(
          "Give the Service a ready pod: check that its selector matches running pods and that they "
          "pass their readiness probes ({}; {}).",
          slices, describe);
      if (s.known) {
        p.commands = {slices, describe};
      }
      return p;
    }
    case KubeDrop::Kind::no_local_endpoints: {
      p.verdict = Verdict::service_no_local_endpoints;
      p.summary = fmt::format(
          "{} has externalTrafficPolicy: Local and no ready pod on this node, so kube-proxy drops {} "
          "here ({}); it answers only on the nodes that run one.",
          s.phrase, flow, rule_text);
      const std::string patch = fmt::format(
          "kubectl patch service -n {} {} -p '{{\"spec\":{{\"externalTrafficPolicy\":\"Cluster\"}}}}'", s.ns,
          s.name);
      p.fix = fmt::format(
          "Send the traffic to a node that runs a ready pod of the Service (kubectl get pods -n {} -o wide, "
          "with the Service's selector), or set externalTrafficPolicy: Cluster, which lets every node "
          "forward it but hides the client's address: {}.",
          s.ns, patch);
      return p;
    }
    case KubeDrop::Kind::source_range:
      p.verdict = Verdict::source_range_blocked;
      p.summary = fmt::format("{} is not in {}'s loadBalancerSourceRanges, so kube-proxy drops {} ({}).",
                              packet.source.to_string(), s.phrase, flow, rule_text);
      p.fix = fmt::format(
          "Add the client's range to the Service's spec.loadBalancerSourceRanges (kubectl edit service "
          "-n {} {}), or connect from an address it allows.",
          s.ns, s.name);
      return p;
    case KubeDrop::Kind::cluster_ip_port:
      p.verdict = Verdict::firewall_blocked;
      p.summary =
          fmt::format("{} is a Service's ClusterIP, but none of its ports is {}: kube-proxy rejects {} ({}).",
                      packet.destination.to_string(), packet.destination_port, flow, rule_text);
      p.fix = fmt::format(
          "Dial a port the Service has (kubectl get services -A --field-selector spec.clusterIP={}), or add "
          "port {} to it.",
          packet.destination.to_string(), packet.destination_port);
      return p;
    case KubeDrop::Kind::unallocated_cluster_ip:
      p.verdict = Verdict::firewall_blocked;
      p.summary = fmt::format(
          "{} is in the cluster's Service range, but no Service has it: kube-proxy drops {} ({}).",
          packet.destination.to_string(), flow, rule_text);
      p.fix = "Dial an existing Service's ClusterIP or its DNS name (kubectl get services -A).";
      return p;
  }
  return p;
}

}  // namespace whyno::detail
