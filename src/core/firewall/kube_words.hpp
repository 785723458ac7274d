#pragma once
// What kube-proxy's drops and rejects mean, in Kubernetes' words: a Service
// with no endpoints, externalTrafficPolicy: Local with no endpoint on this
// node, a client outside loadBalancerSourceRanges, a ClusterIP dialled on a
// port it does not serve. kube-proxy says which in its rules: iptables mode in
// their comments ("ns6/svc6:p80 has no endpoints"), nftables mode in its
// chains (reject-chain, firewall-*, cluster-ips-check) and the comments of
// its maps' elements.

#include <optional>
#include <string>

#include "packet_walk.hpp"
#include "whyno/model/diagnosis.hpp"
#include "whyno/model/facts.hpp"

namespace whyno::detail {

struct KubeDrop {
  enum class Kind {
    no_endpoints,            // no ready pod: REJECT
    no_local_endpoints,      // externalTrafficPolicy Local, none on this node: DROP
    source_range,            // the client is outside loadBalancerSourceRanges: DROP
    cluster_ip_port,         // a ClusterIP on a port no Service port has: REJECT
    unallocated_cluster_ip,  // an address of the Service range no Service has: DROP
  };
  Kind kind = Kind::no_endpoints;
  std::string service;  // as kube-proxy names it, "ns6/svc6:p80"; "" when its rules do not say
};

/// What `rule` (kube-proxy's, dropping or rejecting `packet`) means; nullopt
/// when it is none of the above.
std::optional<KubeDrop> kube_drop(const nf::Rule& rule, const nf::Ruleset& rules, const nf::Packet& packet);

/// kube-proxy's nftables mode serves a NodePort on the node's addresses
/// (@nodeport-ips) only, never on 127.0.0.1 (iptables mode did, with
/// route_localnet): the problem for a loopback `destination` whose `port`
/// is a NodePort there; nullopt otherwise.
std::optional<Problem> localhost_nodeport(const nf::Ruleset& rules, const IpAddress& destination,
                                          std::uint8_t l4proto, std::uint16_t port);

/// The problem, with a fix in kubectl terms; `flow` and `rule_text` as
/// drop_problem words them.
Problem kube_problem(const KubeDrop& drop, const nf::Packet& packet, const std::string& flow,
                     const std::string& rule_text);

}  // namespace whyno::detail
