#include "whyno/model/verdict.hpp"

#include <algorithm>
#include <array>

namespace whyno {

namespace {

struct Entry {
  Verdict verdict;
  std::string_view code;
  std::string_view meaning;
};

constexpr std::array k_codes = {
    Entry{Verdict::reachable, "reachable", "every hop works"},
    Entry{Verdict::nothing_published, "nothing-published", "no container publishes that host port"},
    Entry{Verdict::container_port_closed, "container-port-closed",
          "the port is forwarded, but nothing listens there"},
    Entry{Verdict::bound_to_loopback, "bound-to-loopback", "the app listens on 127.0.0.1 or ::1 only"},
    Entry{Verdict::no_shared_network, "no-shared-network", "client and target share no network"},
    Entry{Verdict::name_not_resolvable, "name-not-resolvable", "the client cannot resolve the target's name"},
    Entry{Verdict::localhost_is_self, "localhost-is-self", "localhost in a container is that container"},
    Entry{Verdict::host_port_used_internally, "host-port-used-internally",
          "a container dials the host-side published port"},
    Entry{Verdict::container_not_running, "container-not-running",
          "the container exited, stopped, is paused or restarting"},
    Entry{Verdict::protocol_mismatch, "protocol-mismatch", "tcp on one side, udp on the other"},
    Entry{Verdict::host_address_mismatch, "host-address-mismatch",
          "published on another host address than the one dialled"},
    Entry{Verdict::host_network, "host-network", "--network host: -p was ignored"},
    Entry{Verdict::no_network, "no-network", "--network none: nothing can reach it"},
    Entry{Verdict::host_port_conflict, "host-port-conflict", "something else owns the host port"},
    Entry{Verdict::v6only_listener, "v6only-listener", "the app and the traffic use different IP versions"},
    Entry{Verdict::backlog_full, "backlog-full", "the app is alive but not accepting (hung)"},
    Entry{Verdict::bound_to_other_address, "bound-to-other-address",
          "the app listens on an address traffic does not arrive at"},
    Entry{Verdict::firewall_blocked, "firewall-blocked", "a netfilter rule or policy drops the traffic"},
    Entry{Verdict::forwarding_disabled, "forwarding-disabled",
          "the host does not forward packets (ip_forward)"},
    Entry{Verdict::internal_network, "internal-network",
          "the container is on an --internal network: no port is published"},
    Entry{Verdict::app_not_accepting, "app-not-accepting",
          "the app is stopped, frozen or hung: connections complete, nothing accepts them"},
    Entry{Verdict::macvlan_host_isolated, "macvlan-host-isolated",
          "the host cannot reach its own macvlan/ipvlan container through the parent"},
    Entry{Verdict::service_no_endpoints, "service-no-endpoints",
          "Kubernetes: the Service has no ready pod, kube-proxy rejects"},
    Entry{Verdict::service_no_local_endpoints, "service-no-local-endpoints",
          "Kubernetes: externalTrafficPolicy Local and no ready pod on this node"},
    Entry{Verdict::source_range_blocked, "source-range-blocked",
          "Kubernetes: the client is outside the Service's loadBalancerSourceRanges"},
    Entry{Verdict::localhost_nodeport_unsupported, "localhost-nodeport-unsupported",
          "Kubernetes: kube-proxy's nftables mode serves no NodePort on 127.0.0.1"},
    Entry{Verdict::route_localnet_off, "route-localnet-off",
          "127.0.0.1 is DNATed out of an interface whose route_localnet is 0"},
    Entry{Verdict::hostport_not_mapped, "hostport-not-mapped",
          "Kubernetes: the node's CNI network has no portmap plugin, so a hostPort does nothing"},
    Entry{Verdict::inconclusive, "inconclusive",
          "a hop could not be read, so whyno-port cannot say the path works"},
};

constexpr auto k_all = [] {
  std::array<Verdict, k_codes.size()> all{};
  for (std::size_t i = 0; i < k_codes.size(); ++i) {
    all[i] = k_codes[i].verdict;
  }
  return all;
}();

const Entry* entry_of(Verdict v) {
  const auto it =
      std::find_if(k_codes.begin(), k_codes.end(), [v](const Entry& entry) { return entry.verdict == v; });
  return it == k_codes.end() ? nullptr : &*it;
}

}  // namespace

std::string_view code(Verdict v) {
  const Entry* e = entry_of(v);
  return e == nullptr ? "unknown" : e->code;
}

std::optional<Verdict> parse_verdict(std::string_view text) {
  const auto it =
      std::find_if(k_codes.begin(), k_codes.end(), [text](const Entry& entry) { return entry.code == text; });
  if (it == k_codes.end()) {
    return std::nullopt;
  }
  return it->verdict;
}

std::span<const Verdict> all_verdicts() { return k_all; }

std::string_view meaning(Verdict v) {
  const Entry* e = entry_of(v);
  return e == nullptr ? "" : e->meaning;
}

}  // namespace whyno
