// kube-proxy's drops and rejects in Kubernetes' words, on its recorded rules
// (both modes): which Service, and why.
#include <doctest/doctest.h>

#include "core/firewall/kube_words.hpp"
#include "test_netfilter_nft_fixtures.hpp"

using namespace whyno;
using namespace whyno::nf;
using namespace whyno::test::nf_fixtures;
using whyno::detail::kube_drop;
using whyno::detail::KubeDrop;

namespace {

Packet tcp_packet(const char* source, const char* destination, std::uint16_t port) {
  Packet p;
  p.source = ip(source);
  p.destination = ip(destination);
  p.destination_port = port;
  p.input_interface = "eth0";
  return p;
}

/// The rule that stops `p` at `hook`, and what kube_drop makes of it.
std::optional<KubeDrop> stopped(const Ruleset& rules, Hook hook, Packet p) {
  if (std::string(p.destination.to_string()) == "192.168.0.2") {
    p.destination_type = k_rtn_local;
  }
  const HookOutcome out = walk_hook(rules, hook, p);
  REQUIRE(out.kind != HookOutcome::Kind::accepted);
  REQUIRE(out.rule != nullptr);
  return kube_drop(*out.rule, rules, out.packet);
}

void check(const std::optional<KubeDrop>& d, KubeDrop::Kind kind, const char* service) {
  REQUIRE(d.has_value());
  CHECK(d->kind == kind);
  CHECK(d->service == service);
}

}  // namespace

TEST_SUITE_BEGIN("core_kube_words");

TEST_CASE("nftables mode: no endpoints, no local endpoints, source ranges, ClusterIP ports") {
  const Ruleset rules = decode("kube_nft");
  check(stopped(rules, Hook::forward, tcp_packet("10.180.0.9", "172.30.0.46", 80)),
        KubeDrop::Kind::no_endpoints, "ns6/svc6:p80");
  check(stopped(rules, Hook::input, tcp_packet("203.0.113.2", "192.168.0.2", 3001)),
        KubeDrop::Kind::no_local_endpoints, "ns2/svc2:p80");
  check(stopped(rules, Hook::prerouting, tcp_packet("203.0.113.200", "5.6.7.8", 80)),
        KubeDrop::Kind::source_range, "ns5/svc5:p80");
  check(stopped(rules, Hook::forward, tcp_packet("10.180.0.9", "172.30.0.41", 81)),
        KubeDrop::Kind::cluster_ip_port, "");
  check(stopped(rules, Hook::forward, tcp_packet("10.180.0.9", "172.30.9.9", 80)),
        KubeDrop::Kind::unallocated_cluster_ip, "");
}

TEST_CASE("iptables mode: the Service is named by the rule's comment") {
  const Ruleset rules = decode("kube_iptables");
  check(stopped(rules, Hook::forward, tcp_packet("10.180.0.9", "172.30.0.46", 80)),
        KubeDrop::Kind::no_endpoints, "ns6/svc6:p80");
  check(stopped(rules, Hook::forward, tcp_packet("203.0.113.2", "192.168.99.22", 80)),
        KubeDrop::Kind::no_local_endpoints, "ns2/svc2:p80");
  check(stopped(rules, Hook::forward, tcp_packet("203.0.113.200", "5.6.7.8", 80)),
        KubeDrop::Kind::source_range, "ns5/svc5:p80");
}

TEST_CASE("a drop kube-proxy did not explain is none of these") {
  Rule r;
  r.chain = "KUBE-FORWARD";
  r.comment = "kubernetes forwarding rules";
  CHECK_FALSE(kube_drop(r, Ruleset{}, tcp_packet("10.0.0.1", "10.0.0.2", 80)).has_value());
}

TEST_SUITE_END();
