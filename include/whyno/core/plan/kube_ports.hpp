#pragma once
// The ports a Kubernetes node serves, read from its rules alone: every
// Service's NodePort (kube-proxy's KUBE-NODEPORTS in iptables mode, its
// service-nodeports map in nftables mode) and every pod's hostPort (CNI
// portmap's CNI-DN-* DNAT in iptables, table cni_hostport in nftables).
// --all on a node checks each, as it checks an engine's published ports.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "whyno/util/ip_address.hpp"
#include "whyno/model/protocol.hpp"
#include "whyno/model/ruleset.hpp"

namespace whyno {

struct KubePort {
  enum class Kind : std::uint8_t { node_port, host_port };
  Kind kind = Kind::node_port;
  Protocol protocol = Protocol::tcp;
  std::uint16_t port = 0;
  /// node_port: the Service as kube-proxy names it ("ns2/svc2:p80"), "" when
  /// its rules do not say.
  std::string service;
  /// host_port: the pod's address and port the DNAT sends it to.
  std::optional<IpAddress> pod_address;
  std::uint16_t pod_port = 0;
  /// node_port: the node addresses it is served on, when the rules say
  /// (nftables mode's @nodeport-ips); empty: every local address.
  std::vector<IpPrefix> node_addresses;
};

/// "ns2/svc2:p80" from nftables mode's chain names, which carry the Service
/// and port name after a hash ("external-42NFTM6N-ns2/svc2/tcp/p80",
/// "firewall-HASH-ns5/svc5/tcp/p80"); "" for any other name.
std::string kube_service_of_chain(std::string_view chain);

/// Each port once (by kind, protocol and port), in the rules' order.
std::vector<KubePort> kube_ports(const nf::Ruleset& rules);

}  // namespace whyno
