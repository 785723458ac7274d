// kube-proxy's nftables mode, from its own golden (TestOverallNFTablesRules,
// shared/upstream/kubernetes) loaded with `nft -f` and recorded: Services
// are found through verdict maps keyed by concatenations (`ip daddr . meta
// l4proto . th dport vmap @service-ips`, `meta l4proto . th dport vmap
// @service-nodeports`) and spread over endpoints by `numgen random mod N
// vmap`. The walks below are the packets the golden's six Services are for.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "test_netfilter_nft_fixtures.hpp"

using namespace whyno;
using namespace whyno::nf;
using namespace whyno::test::nf_fixtures;

namespace {

constexpr const char* k_table = "kube-proxy";
constexpr const char* k_node = "192.168.0.2";

const Ruleset& kube_nft() {
  static const Ruleset rules = decode("kube_nft");
  return rules;
}

const Rule& only_rule_of(const char* chain, std::size_t index = 0) {
  const auto rules = rules_of(kube_nft(), Family::ip, k_table, chain);
  REQUIRE(rules.size() > index);
  return *rules[index];
}

/// A new TCP connection from `source` to `destination:port`.
Packet tcp(const char* source, const char* destination, std::uint16_t port) {
  Packet p;
  p.source = ip(source);
  p.destination = ip(destination);
  p.destination_port = port;
  return p;
}

/// From another machine, arriving on the node's eth0.
Packet remote(const char* source, const char* destination, std::uint16_t port) {
  Packet p = tcp(source, destination, port);
  p.input_interface = "eth0";
  p.destination_type = std::string(destination) == k_node ? k_rtn_local : k_rtn_unicast;
  return p;
}

/// From a process on the node itself (the output hook).
Packet from_node(const char* destination, std::uint16_t port) {
  Packet p = tcp(k_node, destination, port);
  p.input_interface = "";
  p.source_type = k_rtn_local;
  return p;
}

void check_dnat(const HookOutcome& out, const char* address, std::uint16_t port) {
  CHECK(out.uncertain.empty());
  REQUIRE(out.nat.has_value());
  REQUIRE(out.nat->address.has_value());
  CHECK(*out.nat->address == ip(address));
  CHECK(out.nat->port == port);
}

}  // namespace

TEST_SUITE_BEGIN("netfilter_kube_nft");

TEST_CASE("kube-proxy's concatenated verdict maps decode as maps keyed by every field") {
  const Rule& services = only_rule_of("services");
  REQUIRE(services.action.kind == ActionKind::vmap);
  CHECK(services.action.vmap_key == Field::daddr);
  CHECK(services.action.vmap_concat == std::vector<Field>{Field::l4proto, Field::dport});
  const auto& entries = services.action.vmap;
  const auto svc1 = std::find_if(entries.begin(), entries.end(),
                                 [](const VmapEntry& e) { return e.key == "172.30.0.41 . 6 . 80"; });
  REQUIRE(svc1 != entries.end());
  CHECK(svc1->kind == ActionKind::goto_);
  CHECK(svc1->chain == "service-ULMVA6XW-ns1/svc1/tcp/p80");
  CHECK(entries.size() == 9);  // five ClusterIPs (svc6 has no endpoints), two external IPs, two LB IPs
  CHECK(describe(services.action).starts_with("ip daddr . meta l4proto . th dport vmap { "));

  // `ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports`
  const Rule& nodeports = only_rule_of("services", 1);
  REQUIRE(nodeports.action.kind == ActionKind::vmap);
  CHECK(nodeports.action.vmap_key == Field::l4proto);
  CHECK(nodeports.action.vmap_concat == std::vector<Field>{Field::dport});
  CHECK(std::any_of(nodeports.action.vmap.begin(), nodeports.action.vmap.end(), [](const VmapEntry& e) {
    return e.key == "6 . 3001" && e.chain == "external-42NFTM6N-ns2/svc2/tcp/p80";
  }));
}

TEST_CASE("numgen random mod N vmap: a map keyed by a random number, one entry per endpoint") {
  const Rule& spread = only_rule_of("service-LAUZTJTB-ns4/svc4/tcp/p80", 1);
  REQUIRE(spread.action.kind == ActionKind::vmap);
  CHECK(spread.action.vmap_key == Field::random);
  REQUIRE(spread.action.vmap.size() == 2);
  CHECK(describe(spread.action).starts_with("numgen vmap { "));
}

TEST_CASE("a ClusterIP from the node: the service map, then the first endpoint's DNAT") {
  check_dnat(walk_hook(kube_nft(), Hook::output, from_node("172.30.0.41", 80)), "10.180.0.1", 80);
  // svc4 has two endpoints behind numgen: the walk follows the first.
  check_dnat(walk_hook(kube_nft(), Hook::output, from_node("172.30.0.44", 80)), "10.180.0.4", 80);
}

TEST_CASE("every endpoint behind numgen random mod N vmap is walked, in key order") {
  const auto branches = walk_every_branch(kube_nft(), Hook::output, from_node("172.30.0.44", 80));
  REQUIRE(branches.size() == 2);
  check_dnat(branches[0], "10.180.0.4", 80);
  check_dnat(branches[1], "10.180.0.5", 80);
  CHECK(walk_every_branch(kube_nft(), Hook::output, from_node("172.30.0.41", 80)).size() == 1);
}

TEST_CASE("a NodePort from another machine: service-nodeports, the external chain, the endpoint") {
  check_dnat(walk_hook(kube_nft(), Hook::prerouting, remote("203.0.113.2", k_node, 3003)), "10.180.0.3", 80);
}

TEST_CASE("externalTrafficPolicy Local with no local endpoint: no DNAT, then no-endpoint-nodeports drops") {
  const Packet p = remote("203.0.113.2", k_node, 3001);
  const HookOutcome pre = walk_hook(kube_nft(), Hook::prerouting, p);
  CHECK_FALSE(pre.nat.has_value());
  CHECK(pre.uncertain.empty());
  const HookOutcome in = walk_hook(kube_nft(), Hook::input, pre.packet);
  CHECK(in.kind == HookOutcome::Kind::dropped);
  CHECK(in.uncertain.empty());
  REQUIRE(in.rule != nullptr);
  CHECK(in.rule->chain == "nodeport-endpoints-check");
}

TEST_CASE("a ClusterIP with no endpoints: service-endpoints-check goes to reject-chain") {
  Packet p = tcp("10.180.0.9", "172.30.0.46", 80);
  p.input_interface = "cni0";
  p.output_interface = "eth0";
  const HookOutcome pre = walk_hook(kube_nft(), Hook::prerouting, p);
  CHECK_FALSE(pre.nat.has_value());
  const HookOutcome forward = walk_hook(kube_nft(), Hook::forward, pre.packet);
  CHECK(forward.kind == HookOutcome::Kind::rejected);
  CHECK(forward.uncertain.empty());
  REQUIRE(forward.rule != nullptr);
  CHECK(forward.rule->chain == "reject-chain");

  // A port the ClusterIP does not serve: cluster-ips-check rejects it.
  Packet other = p;
  other.destination = ip("172.30.0.41");
  other.destination_port = 81;
  const HookOutcome wrong_port = walk_hook(kube_nft(), Hook::forward, other);
  CHECK(wrong_port.kind == HookOutcome::Kind::rejected);
  REQUIRE(wrong_port.rule != nullptr);
  CHECK(wrong_port.rule->chain == "cluster-ips-check");
}

TEST_CASE("loadBalancerSourceRanges: firewall-ips sends the load balancer IP to its source check") {
  const HookOutcome outside = walk_hook(kube_nft(), Hook::prerouting, remote("203.0.113.200", "5.6.7.8", 80));
  CHECK(outside.kind == HookOutcome::Kind::dropped);
  CHECK(outside.uncertain.empty());
  REQUIRE(outside.rule != nullptr);
  CHECK(outside.rule->chain == "firewall-HVFWP5L3-ns5/svc5/tcp/p80");

  check_dnat(walk_hook(kube_nft(), Hook::prerouting, remote("203.0.113.2", "5.6.7.8", 80)), "10.180.0.3", 80);
}

TEST_SUITE_END();
