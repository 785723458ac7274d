// firewalld's and ufw-docker's rule shapes, decoded from a recorded dump
// (tests/fixtures/netfilter/hostfw) and walked: `ct status dnat` (nft),
// `--ctstate DNAT` (xt_conntrack), `--ctstatus`, and `oifname` in
// PREROUTING.
#include <doctest/doctest.h>

#include <algorithm>

#include "test_netfilter_nft_fixtures.hpp"
#include "core/firewall/packet_walk.hpp"

using namespace whyno;
using namespace whyno::nf;
using namespace whyno::test::nf_fixtures;

TEST_SUITE_BEGIN("netfilter_nft");

namespace {

/// The remote client's packet after PREROUTING's DNAT to a container on
/// docker0, on its way through FORWARD.
Packet dnated_packet() {
  Packet p = remote_packet();
  p.destination = ip("172.17.0.2");
  p.destination_port = 80;
  p.destination_type = k_rtn_unicast;
  p.output_interface = "docker0";
  p.ct_status = k_ct_status_dnat;
  return p;
}

}  // namespace

TEST_CASE("ct status and --ctstate DNAT decode to the NAT status bits") {
  const Ruleset r = decode("hostfw");
  const auto forward = rules_of(r, Family::inet, "firewalld", "filter_FORWARD");
  REQUIRE(forward.size() == 4);
  const Match* status = find(*forward[1], Field::ct_status);
  REQUIRE(status != nullptr);
  CHECK(status->mask == k_ct_status_dnat);
  CHECK_FALSE(status->negated);
  CHECK(describe(*forward[1]) == "ct status dnat accept");

  // iptables-nft's xt conntrack: firewalld's iptables backend.
  const auto xt = rules_of(r, Family::ip, "filter", "FORWARD");
  REQUIRE(xt.size() == 3);
  CHECK(find(*xt[0], Field::ct_state)->mask == (2u | 4u | k_ct_state_dnat));
  CHECK(find(*xt[1], Field::ct_status)->mask == 0x4u);  // --ctstatus ASSURED
  const Match* not_nat = find(*xt[2], Field::ct_state);
  REQUIRE(not_nat != nullptr);
  CHECK(not_nat->negated);
  CHECK(not_nat->mask == (k_ct_state_snat | k_ct_state_dnat));
  for (const Rule* rule : xt) {
    CHECK(find(*rule, Field::unknown) == nullptr);
  }
}

TEST_CASE("a DNATed packet matches ct status dnat; a routed one does not") {
  const Ruleset r = decode("hostfw");
  const HookOutcome dnated = walk_hook(r, Hook::forward, dnated_packet());
  CHECK(dnated.kind == HookOutcome::Kind::accepted);
  CHECK(dnated.uncertain.empty());
  REQUIRE_FALSE(dnated.trace.empty());
  CHECK(dnated.trace.back()->chain == "filter_FORWARD");
  CHECK(describe(*dnated.trace.back()) == "ct status dnat accept");

  Packet routed = dnated_packet();
  routed.ct_status = 0;
  const HookOutcome out = walk_hook(r, Hook::forward, routed);
  CHECK(out.kind == HookOutcome::Kind::dropped);  // `ct state != snat,dnat drop`
  REQUIRE(out.rule != nullptr);
  CHECK(out.rule->table == "filter");

  const Match& dnat = *find(*rules_of(r, Family::inet, "firewalld", "filter_INPUT")[0], Field::ct_status);
  CHECK(evaluate(dnat, dnated_packet()) == Tri::yes);
  CHECK(evaluate(dnat, routed) == Tri::no);
}

TEST_CASE("oifname in PREROUTING is the empty name, not unknown") {
  const Ruleset r = decode("hostfw");
  Packet p = remote_packet();
  REQUIRE_FALSE(p.output_interface.has_value());
  const HookOutcome out = walk_hook(r, Hook::prerouting, p);
  CHECK(out.kind == HookOutcome::Kind::accepted);
  CHECK(out.uncertain.empty());
  CHECK_FALSE(out.outcome_uncertain);
  CHECK(out.packet.output_interface == std::optional<std::string>(""));
  // Elsewhere an unknown output interface stays unknown.
  const Match& oif = *find(*rules_of(r, Family::inet, "firewalld", "raw_PREROUTING")[0], Field::oifname);
  CHECK(evaluate(oif, p) == Tri::maybe);
}

TEST_CASE("a DNAT in PREROUTING sets the connection's dnat status for later hooks") {
  Ruleset r;
  r.chains.push_back(Chain{Backend::nftables, Family::ip, "nat", "PREROUTING",
                           BaseChain{Hook::prerouting, -100, ChainType::nat, false}});
  Rule dnat;
  dnat.table = "nat";
  dnat.chain = "PREROUTING";
  dnat.action.kind = ActionKind::dnat;
  dnat.action.nat_address = ip("172.17.0.2");
  dnat.action.nat_port_min = 80;
  r.rules.push_back(dnat);
  const HookOutcome out = walk_hook(r, Hook::prerouting, remote_packet());
  REQUIRE(out.nat.has_value());
  CHECK(out.packet.ct_status == k_ct_status_dnat);
  CHECK(walk_hook(Ruleset{}, Hook::prerouting, remote_packet()).packet.ct_status == 0u);
}
