// nftables decoding of other rule writers (netavark, iptables-nft with xt
// compat, corner cases), against recorded dumps.
#include <doctest/doctest.h>

#include "test_netfilter_nft_fixtures.hpp"
#include "core/firewall/packet_walk.hpp"

using namespace whyno;
using namespace whyno::nf;
using namespace whyno::test::nf_fixtures;

TEST_SUITE_BEGIN("netfilter_nft");

TEST_CASE("netavark: inet table, dnat ip to, marks") {
  const Ruleset r = decode("netavark_nft");
  check_base(chain_of(r, Family::inet, "netavark", "PREROUTING"), Hook::prerouting, -100, ChainType::nat,
             false);

  const auto dnat_chain = rules_of(r, Family::inet, "netavark", "nv_2f259bab_10_88_0_0_nm16_dnat");
  REQUIRE(dnat_chain.size() == 3);
  check_prefix(*dnat_chain[0], Field::saddr, "10.88.0.0", 16);
  CHECK(dnat_chain[0]->action.chain == "NETAVARK-HOSTPORT-SETMARK");
  const Rule& dnat = *dnat_chain[2];
  CHECK(dnat.action.kind == ActionKind::dnat);
  CHECK(*dnat.action.nat_address == ip("10.88.0.14"));
  CHECK(dnat.action.nat_port_min == 8080);
  // `dnat ip to` in an inet table only acts on IPv4 packets.
  check_ranges(dnat, Field::nfproto, {{2, 2}});

  const auto forward = rules_of(r, Family::inet, "netavark", "FORWARD");
  REQUIRE(forward.size() == 5);
  CHECK(find(*forward[0], Field::ct_state)->mask == 1u);
  const Match* ct_mark = find(*forward[1], Field::ct_mark);
  REQUIRE(ct_mark != nullptr);
  CHECK(ct_mark->mask == 0x1000u);
  CHECK(ct_mark->ranges == std::vector<Range>{{0x1000, 0x1000}});

  const auto post = rules_of(r, Family::inet, "netavark", "POSTROUTING");
  const Match* mark = find(*post[0], Field::mark);
  REQUIRE(mark != nullptr);
  CHECK(mark->mask == 0x2000u);
  CHECK(mark->ranges == std::vector<Range>{{0x2000, 0x2000}});

  const auto input = rules_of(r, Family::inet, "netavark", "INPUT");
  check_ranges(*input[0], Field::l4proto, {{6, 6}, {17, 17}});
  check_ranges(*input[0], Field::dport, {{53, 53}});

  // ip daddr != 224.0.0.0/4: a full load with a bitwise mask.
  const auto subnet = rules_of(r, Family::inet, "netavark", "nv_2f259bab_10_88_0_0_nm16");
  check_prefix(*subnet[1], Field::daddr, "224.0.0.0", 4, true);

  // `meta mark set meta mark | 0x2000`: no match, no verdict, a mark the walk sets.
  const auto setmark = rules_of(r, Family::inet, "netavark", "NETAVARK-HOSTPORT-SETMARK");
  REQUIRE(setmark.size() == 1);
  CHECK(setmark[0]->matches.empty());
  CHECK(setmark[0]->action.kind == ActionKind::next);
  REQUIRE(setmark[0]->marks.size() == 1);
  CHECK(setmark[0]->marks[0].target == MarkSet::Slot::packet);
  CHECK(setmark[0]->marks[0].from == MarkSet::Slot::packet);
  CHECK(setmark[0]->marks[0].and_mask == ~0x2000u);
  CHECK(setmark[0]->marks[0].xor_value == 0x2000u);

  const HookOutcome out =
      walk_hook(r, Hook::prerouting, remote_packet(), WalkOptions{ChainType::nat, {}, {}});
  REQUIRE(out.nat.has_value());
  CHECK(out.nat->rule == &dnat);
}

TEST_CASE("Docker 28 shapes written by iptables-nft: xt compat matches and targets") {
  const Ruleset r = decode("docker28_iptables_nft");
  const auto raw = rules_of(r, Family::ip, "raw", "PREROUTING");
  REQUIRE(raw.size() == 2);
  check_interface(*raw[0], Field::iifname, "br-x", true);
  check_prefix(*raw[0], Field::daddr, "172.18.0.2", 32);

  const auto nat = rules_of(r, Family::ip, "nat", "DOCKER");
  REQUIRE(nat.size() == 3);
  CHECK(nat[1]->action.kind == ActionKind::dnat);  // xt DNAT rev 2
  CHECK(*nat[1]->action.nat_address == ip("172.17.0.2"));
  CHECK(nat[1]->action.nat_port_min == 3000);
  check_ranges(*nat[2], Field::dport, {{5353, 5360}});  // a range expression
  CHECK(nat[2]->action.nat_port_min == 0);              // the port is kept
  CHECK(*nat[2]->action.nat_address == ip("172.17.0.2"));

  const auto post = rules_of(r, Family::ip, "nat", "POSTROUTING");
  REQUIRE(post.size() == 2);
  CHECK(find(*post[1], Field::saddr_type)->mask == 1u << k_rtn_local);

  const auto user = rules_of(r, Family::ip, "filter", "DOCKER-USER");
  REQUIRE(user.size() == 3);
  check_prefix(*user[0], Field::saddr, "198.51.100.0", 24);
  CHECK(user[0]->action.kind == ActionKind::drop);
  check_interface(*user[1], Field::iifname, "veth", false, true);
  check_ranges(*user[1], Field::sport, {{1024, 65535}}, true);
  CHECK(user[1]->comment == "veth low ports");
  CHECK(user[1]->action.kind == ActionKind::next);  // LOG
  CHECK(user[2]->action.kind == ActionKind::return_);

  const auto docker = rules_of(r, Family::ip, "filter", "DOCKER");
  REQUIRE(docker.size() == 6);
  check_ranges(*docker[2], Field::dport, {{22, 22}, {80, 80}, {8000, 8100}});  // xt multiport
  CHECK(find(*docker[3], Field::unknown)->text ==
        "-m physdev: which bridge port the packet crossed (not known)");
  const Match* mark = find(*docker[4], Field::mark);
  CHECK(mark->mask == 0xffu);
  CHECK(mark->ranges == std::vector<Range>{{0x10, 0x10}});
  CHECK(find(*docker[5], Field::rate_limit)->text == "limit rate 10/second");

  const auto ct = rules_of(r, Family::ip, "filter", "DOCKER-CT");
  REQUIRE(ct.size() == 2);
  CHECK(find(*ct[0], Field::ct_state)->mask == (2u | 4u));
  CHECK(find(*ct[1], Field::ct_state)->mask == 1u);  // -m state --state INVALID

  const auto v6 = rules_of(r, Family::ip6, "nat", "DOCKER");
  REQUIRE(v6.size() == 1);
  CHECK(*v6[0]->action.nat_address == ip("fd00::2"));
  CHECK(v6[0]->action.nat_port_min == 80);
  check_prefix(*v6[0], Field::saddr, "fe80::", 10, true);
  const auto v6_forward = rules_of(r, Family::ip6, "filter", "FORWARD");
  check_prefix(*v6_forward[0], Field::daddr, "fd00::", 64);  // an 8-byte load
  CHECK(v6_forward[0]->action.kind == ActionKind::reject);
}

TEST_CASE("edge cases: sets, intervals, maps and what we cannot model") {
  const Ruleset r = decode("nft_edge");
  check_base(chain_of(r, Family::inet, "edge", "input"), Hook::input, 10, ChainType::filter, true);
  const auto in = rules_of(r, Family::inet, "edge", "input");
  REQUIRE(in.size() == 14);

  // A named interval set of addresses, split into prefixes.
  const Match* blocked = find(*in[0], Field::saddr);
  REQUIRE(blocked != nullptr);
  CHECK_FALSE(blocked->negated);
  REQUIRE(blocked->prefixes.size() == 4);
  CHECK(blocked->prefixes[0] == IpPrefix{ip("10.0.0.0"), 29});
  CHECK(blocked->prefixes[1] == IpPrefix{ip("10.0.0.8"), 31});
  CHECK(blocked->prefixes[2] == IpPrefix{ip("198.51.100.0"), 24});
  CHECK(blocked->prefixes[3] == IpPrefix{ip("203.0.113.5"), 32});
  CHECK(find(*in[1], Field::saddr)->negated);
  check_ranges(*in[1], Field::dport, {{80, 80}, {443, 443}});

  // iifname { "veth*", "eth0" }: intervals in an anonymous set.
  const Match* names = find(*in[2], Field::iifname);
  REQUIRE(names != nullptr);
  REQUIRE(names->interfaces.size() == 2);
  CHECK(names->interfaces[0] == InterfaceName{"eth0", false});
  CHECK(names->interfaces[1] == InterfaceName{"veth", true});

  CHECK(find(*in[3], Field::unknown)->text == "meta iif == 0x1");
  check_ranges(*in[4], Field::dport, {{1000, 2000}});  // cmp gte + cmp lte, merged
  check_ranges(*in[5], Field::dport, {{3000, 4000}}, true);
  check_ranges(*in[5], Field::sport, {{53, 53}});
  // tcp flags syn limit ...: the flags are evaluated (a SYN has them), the
  // limit is a rate a first packet passes.
  REQUIRE(in[6]->matches.size() == 3);
  CHECK(in[6]->matches[1].field == Field::tcp_flags);
  CHECK(in[6]->matches[2].field == Field::rate_limit);
  CHECK(in[6]->matches[2].text == "limit rate 10/second");
  CHECK(in[7]->matches[0].field == Field::unknown);
  CHECK(in[7]->matches[0].text.starts_with("quota over 10485760 bytes"));
  CHECK(in[7]->action.kind == ActionKind::drop);
  // ct status dnat (firewalld's): (status & IPS_DST_NAT) != 0.
  REQUIRE(find(*in[8], Field::ct_status) != nullptr);
  CHECK(find(*in[8], Field::ct_status)->mask == k_ct_status_dnat);
  CHECK(find(*in[8], Field::unknown) == nullptr);
  CHECK(find(*in[9], Field::daddr_type)->mask == ((1u << 2) | (1u << 3)));
  check_ranges(*in[9], Field::l4proto, {{6, 6}}, true);
  check_ranges(*in[10], Field::mark, {{0x10, 0x10}});
  check_prefix(*in[11], Field::daddr, "fe80::", 10);
  check_ranges(*in[11], Field::nfproto, {{10, 10}});

  // tcp dport vmap { 22 : accept, 80 : jump web, 8000-8002 : drop }
  const Action& vmap = in[12]->action;
  CHECK(vmap.kind == ActionKind::vmap);
  CHECK(vmap.vmap_key == Field::dport);
  REQUIRE(vmap.vmap.size() == 5);
  CHECK(vmap.vmap[0].key == "22");
  CHECK(vmap.vmap[0].kind == ActionKind::accept);
  CHECK(vmap.vmap[1].key == "80");
  CHECK(vmap.vmap[1].kind == ActionKind::jump);
  CHECK(vmap.vmap[1].chain == "web");
  CHECK(vmap.vmap[4].key == "8002");
  CHECK(vmap.vmap[4].kind == ActionKind::drop);
  CHECK(in[13]->action.kind == ActionKind::reject);

  const auto nat = rules_of(r, Family::ip, "edgenat", "prerouting");
  REQUIRE(nat.size() == 4);
  CHECK(nat[0]->action.kind == ActionKind::redirect);
  CHECK(nat[0]->action.nat_port_min == 8080);
  // dnat to tcp dport map {...}: the key must be in the map for the rule to
  // act, and the address is not modelled.
  check_ranges(*nat[1], Field::dport, {{443, 443}, {80, 80}});
  CHECK(nat[1]->action.kind == ActionKind::unknown);
  CHECK(nat[2]->action.kind == ActionKind::dnat);
  CHECK_FALSE(nat[2]->action.nat_address.has_value());
  CHECK(nat[2]->action.nat_port_min == 9001);
  CHECK(nat[3]->action.kind == ActionKind::goto_);
  CHECK(nat[3]->action.chain == "other");
  const auto snat = rules_of(r, Family::ip, "edgenat", "postrouting");
  REQUIRE(snat.size() == 1);
  CHECK(snat[0]->action.kind == ActionKind::snat);
  CHECK(snat[0]->action.nat_port_min == 1000);
  CHECK(snat[0]->action.nat_port_max == 2000);
  CHECK(describe(*snat[0]) == "ip saddr 10.0.0.0/8 meta l4proto tcp snat to 192.0.2.9:1000-2000");
}

TEST_SUITE_END();
