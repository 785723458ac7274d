// The NodePorts and hostPorts --all checks on a node, read from kube-proxy's
// recorded rules in both modes (tests/fixtures/netfilter/kube_nft,
// kube_iptables: its TestOverall goldens) and portmap's recorded twin rules.
#include <doctest/doctest.h>

#include <algorithm>

#include "core/firewall/packet_walk.hpp"
#include "test_netfilter_nft_fixtures.hpp"
#include "whyno/core/plan/kube_ports.hpp"

using namespace whyno;
using namespace whyno::test::nf_fixtures;

namespace {

const KubePort* node_port(const std::vector<KubePort>& ports, std::uint16_t port) {
  const auto it = std::find_if(ports.begin(), ports.end(), [&](const KubePort& p) {
    return p.kind == KubePort::Kind::node_port && p.port == port && p.protocol == Protocol::tcp;
  });
  return it == ports.end() ? nullptr : &*it;
}

}  // namespace

TEST_SUITE_BEGIN("core_kube_ports");

TEST_CASE("both modes give the same NodePorts, each once, named by Service") {
  for (const char* mode : {"kube_iptables", "kube_nft"}) {
    INFO(mode);
    const std::vector<KubePort> ports = kube_ports(decode(mode));
    const std::size_t node_ports = static_cast<std::size_t>(std::count_if(
        ports.begin(), ports.end(), [](const KubePort& p) { return p.kind == KubePort::Kind::node_port; }));
    CHECK(node_ports == 3);  // svc2, svc3 and svc5; svc2's health check port is no NodePort
    for (const auto& [port, service] : {std::pair<std::uint16_t, const char*>{3001, "ns2/svc2:p80"},
                                        {3002, "ns5/svc5:p80"},
                                        {3003, "ns3/svc3:p80"}}) {
      const KubePort* p = node_port(ports, port);
      REQUIRE(p != nullptr);
      CHECK(p->service == service);
    }
  }
  // nftables mode says which addresses serve them (@nodeport-ips).
  const std::vector<KubePort> nft_ports = kube_ports(decode("kube_nft"));
  const KubePort* nft = node_port(nft_ports, 3003);
  REQUIRE(nft != nullptr);
  REQUIRE_FALSE(nft->node_addresses.empty());
  CHECK(nft->node_addresses.front().contains(ip("192.168.0.2")));
}

TEST_CASE("iptables mode: a Service with ClientIP affinity reaches its endpoint whatever the history") {
  // svc5's KUBE-SVC chain recalls the client (-m recent --rcheck) before its
  // spread: either way the packet goes to 10.180.0.3:80.
  const nf::Ruleset rules = decode("kube_iptables");
  nf::Packet p;
  p.source = ip("203.0.113.2");
  p.destination = ip("192.168.0.2");
  p.destination_type = nf::k_rtn_local;
  p.destination_port = 3002;
  p.input_interface = "eth0";
  const nf::HookOutcome out = nf::walk_hook(rules, nf::Hook::prerouting, p);
  REQUIRE(out.nat.has_value());
  CHECK(out.nat->address == ip("10.180.0.3"));
  CHECK(out.kind == nf::HookOutcome::Kind::accepted);
  CHECK_FALSE(out.outcome_uncertain);
}
