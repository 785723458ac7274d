#pragma once
// Verdict codes are a stable contract: they appear in JSON output, in exit
// status decisions and in the man page. Add, never rename.

#include <optional>
#include <span>
#include <string_view>

namespace whyno {

enum class Verdict {
  reachable,
  nothing_published,
  container_port_closed,
  bound_to_loopback,
  no_shared_network,
  name_not_resolvable,
  localhost_is_self,
  host_port_used_internally,
  container_not_running,
  protocol_mismatch,
  host_address_mismatch,
  host_network,
  no_network,
  host_port_conflict,
  v6only_listener,
  backlog_full,
  bound_to_other_address,
  firewall_blocked,
  forwarding_disabled,
  internal_network,
  /// The connection completes (the kernel's handshake), but the app never
  /// accepts it: stopped, traced, frozen, a zombie, or hung.
  app_not_accepting,
  /// The host dials its own macvlan (or ipvlan) child through the parent
  /// link: the kernel never passes traffic between a parent and its children.
  macvlan_host_isolated,
  /// Kubernetes: kube-proxy rejects traffic to a Service with no ready pod.
  service_no_endpoints,
  /// Kubernetes: externalTrafficPolicy Local, and no ready pod on this node.
  service_no_local_endpoints,
  /// Kubernetes: the client is outside the Service's loadBalancerSourceRanges.
  source_range_blocked,
  /// Kubernetes: a NodePort dialled on 127.0.0.1, which kube-proxy's nftables mode does not serve.
  localhost_nodeport_unsupported,
  /// 127.0.0.1 is DNATed to an address out of an interface whose
  /// route_localnet is 0: the kernel will not route a loopback source there.
  route_localnet_off,
  /// Kubernetes: nothing maps the port, and the node's CNI network has no
  /// portmap plugin, so a pod's hostPort does nothing.
  hostport_not_mapped,
  /// Not a cause: a hop could not be read (or the probe contradicts the
  /// facts), so the path cannot be called reachable. Never exit 0.
  inconclusive,
};

std::string_view code(Verdict v);
std::optional<Verdict> parse_verdict(std::string_view code);
std::span<const Verdict> all_verdicts();
/// One line for --help: "the app listens on 127.0.0.1 or ::1 only".
std::string_view meaning(Verdict v);

}  // namespace whyno
