// nftables decoding, against dumps recorded from the kernel (see
// tests/fixtures/netfilter/README.md).
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "whyno/collect/nft_decode.hpp"
#include "whyno/collect/xt_legacy_decode.hpp"
#include "whyno/core/packet_walk.hpp"

using namespace whyno;
using namespace whyno::nf;
using whyno::collect::NftDump;

namespace {

using Range = std::pair<std::uint32_t, std::uint32_t>;

std::vector<std::byte> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in, path);
  const std::vector<char> chars((std::istreambuf_iterator<char>(in)), {});
  std::vector<std::byte> bytes(chars.size());
  std::transform(chars.begin(), chars.end(), bytes.begin(),
                 [](char c) { return static_cast<std::byte>(c); });
  return bytes;
}

NftDump nft_dump(const std::string& dir) {
  const std::string base = std::string(WHYNO_FIXTURES) + "/netfilter/" + dir + "/";
  return NftDump{read_bytes(base + "nft_chains.bin"), read_bytes(base + "nft_rules.bin"),
                 read_bytes(base + "nft_sets.bin"), read_bytes(base + "nft_setelems.bin")};
}

Ruleset decode(const std::string& dir) {
  Ruleset r = collect::parse_nftables(nft_dump(dir));
  CHECK(r.unread.empty());
  return r;
}

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

std::vector<const Rule*> rules_of(const Ruleset& r, Family family, const char* table, const char* chain) {
  std::vector<const Rule*> out;
  for (const auto& rule : r.rules) {
    if (rule.family == family && rule.table == table && rule.chain == chain) {
      out.push_back(&rule);
    }
  }
  return out;
}

const Chain* chain_of(const Ruleset& r, Family family, const char* table, const char* name) {
  for (const auto& c : r.chains) {
    if (c.family == family && c.table == table && c.name == name) {
      return &c;
    }
  }
  return nullptr;
}

const Match* find(const Rule& rule, Field field) {
  for (const auto& m : rule.matches) {
    if (m.field == field) {
      return &m;
    }
  }
  return nullptr;
}

void check_interface(const Rule& rule, Field field, const char* name, bool negated, bool prefix = false) {
  const Match* m = find(rule, field);
  REQUIRE(m != nullptr);
  CHECK(m->negated == negated);
  REQUIRE(m->interfaces.size() == 1);
  CHECK(m->interfaces[0].name == name);
  CHECK(m->interfaces[0].prefix == prefix);
}

void check_ranges(const Rule& rule, Field field, std::vector<Range> ranges, bool negated = false) {
  const Match* m = find(rule, field);
  REQUIRE(m != nullptr);
  CHECK(m->negated == negated);
  CHECK(m->ranges == ranges);
}

void check_prefix(const Rule& rule, Field field, const char* address, unsigned length, bool negated = false) {
  const Match* m = find(rule, field);
  REQUIRE(m != nullptr);
  CHECK(m->negated == negated);
  REQUIRE(m->prefixes.size() == 1);
  CHECK(m->prefixes[0].address == ip(address));
  CHECK(m->prefixes[0].length == length);
}

void check_base(const Chain* c, Hook hook, int priority, ChainType type, bool policy_drop) {
  REQUIRE(c != nullptr);
  REQUIRE(c->base.has_value());
  CHECK(c->base->hook == hook);
  CHECK(c->base->priority == priority);
  CHECK(c->base->type == type);
  CHECK(c->base->policy_drop == policy_drop);
}

}  // namespace

TEST_SUITE_BEGIN("collect_nft");

TEST_CASE("host: Docker 20.10 iptables-nft rules with a published container") {
  NftDump dump = nft_dump("host_docker20");
  Ruleset r = collect::parse_nftables(dump);
  CHECK(r.unread.empty());

  check_base(chain_of(r, Family::ip, "nat", "PREROUTING"), Hook::prerouting, -100, ChainType::nat, false);
  check_base(chain_of(r, Family::ip, "nat", "POSTROUTING"), Hook::postrouting, 100, ChainType::nat, false);
  check_base(chain_of(r, Family::ip, "filter", "FORWARD"), Hook::forward, 0, ChainType::filter, true);
  const Chain* docker = chain_of(r, Family::ip, "nat", "DOCKER");
  REQUIRE(docker != nullptr);
  CHECK_FALSE(docker->base.has_value());
  CHECK(docker->backend == Backend::nftables);

  // -A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:3000
  const auto nat_docker = rules_of(r, Family::ip, "nat", "DOCKER");
  REQUIRE(nat_docker.size() == 4);
  const Rule& dnat = *nat_docker[2];
  CHECK(dnat.matches.size() == 3);
  check_interface(dnat, Field::iifname, "docker0", true);
  check_ranges(dnat, Field::l4proto, {{6, 6}});
  check_ranges(dnat, Field::dport, {{8080, 8080}});
  CHECK(dnat.action.kind == ActionKind::dnat);
  REQUIRE(dnat.action.nat_address.has_value());
  CHECK(*dnat.action.nat_address == ip("172.17.0.2"));
  CHECK(dnat.action.nat_port_min == 3000);
  CHECK(dnat.action.nat_port_max == 3000);
  CHECK(describe(dnat) == "iifname != \"docker0\" meta l4proto tcp th dport 8080 dnat to 172.17.0.2:3000");

  // -p 127.0.0.1:5353:53/udp: the host address becomes ip daddr.
  const Rule& udp = *nat_docker[3];
  check_ranges(udp, Field::l4proto, {{17, 17}});
  check_prefix(udp, Field::daddr, "127.0.0.1", 32);
  CHECK(udp.action.nat_port_min == 53);

  // -A DOCKER -i docker0 -j RETURN
  check_interface(*nat_docker[1], Field::iifname, "docker0", false);
  CHECK(nat_docker[1]->action.kind == ActionKind::return_);

  // -A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER: a
  // one-byte load, and an xt addrtype match.
  const auto output = rules_of(r, Family::ip, "nat", "OUTPUT");
  REQUIRE(output.size() == 1);
  check_prefix(*output[0], Field::daddr, "127.0.0.0", 8, true);
  const Match* type = find(*output[0], Field::daddr_type);
  REQUIRE(type != nullptr);
  CHECK(type->mask == 1u << k_rtn_local);
  CHECK_FALSE(type->negated);
  CHECK(output[0]->action.kind == ActionKind::jump);
  CHECK(output[0]->action.chain == "DOCKER");

  // -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE (xt target)
  const auto post = rules_of(r, Family::ip, "nat", "POSTROUTING");
  REQUIRE(post.size() == 4);
  check_prefix(*post[1], Field::saddr, "172.17.0.0", 16);
  check_interface(*post[1], Field::oifname, "docker0", true);
  CHECK(post[1]->action.kind == ActionKind::masquerade);
  // The hairpin MASQUERADE for the published port.
  check_prefix(*post[2], Field::saddr, "172.17.0.2", 32);
  check_prefix(*post[2], Field::daddr, "172.17.0.2", 32);
  check_ranges(*post[2], Field::dport, {{3000, 3000}});

  // filter FORWARD, in order, with the xt conntrack match.
  const auto forward = rules_of(r, Family::ip, "filter", "FORWARD");
  REQUIRE(forward.size() == 10);
  CHECK(forward[0]->action.chain == "DOCKER-USER");
  CHECK(forward[1]->action.chain == "DOCKER-ISOLATION-STAGE-1");
  const Rule& established = *forward[6];
  check_interface(established, Field::oifname, "docker0", false);
  const Match* ct = find(established, Field::ct_state);
  REQUIRE(ct != nullptr);
  CHECK(ct->mask == (2u | 4u));
  CHECK(established.action.kind == ActionKind::accept);

  // The per-port ACCEPT in filter DOCKER.
  const auto filter_docker = rules_of(r, Family::ip, "filter", "DOCKER");
  REQUIRE(filter_docker.size() == 2);
  CHECK(describe(*filter_docker[0]) ==
        "iifname != \"docker0\" oifname \"docker0\" meta l4proto tcp ip daddr 172.17.0.2 th dport 3000 accept");

  // The packet walk over the decoded rules finds the DNAT.
  Packet p;
  p.source = ip("192.0.2.10");
  p.destination = ip("192.0.2.1");
  p.destination_port = 8080;
  p.input_interface = "eth0";
  p.destination_type = k_rtn_local;
  const HookOutcome out = walk_hook(r, Hook::prerouting, p, WalkOptions{ChainType::nat, {}});
  REQUIRE(out.nat.has_value());
  CHECK(out.nat->rule == &dnat);
  CHECK(out.uncertain.empty());

  // The host also had an empty iptables-legacy nat table.
  const std::string base = std::string(WHYNO_FIXTURES) + "/netfilter/host_docker20/";
  collect::parse_legacy_table({Family::ip, "nat", read_bytes(base + "legacy_ip_nat.info"),
                               read_bytes(base + "legacy_ip_nat.entries")},
                              r);
  CHECK(r.unread.empty());
  const auto legacy_pre = std::find_if(r.chains.begin(), r.chains.end(), [](const Chain& c) {
    return c.backend == Backend::legacy && c.name == "PREROUTING";
  });
  REQUIRE(legacy_pre != r.chains.end());
  check_base(&*legacy_pre, Hook::prerouting, -100, ChainType::nat, false);
  CHECK(std::none_of(r.rules.begin(), r.rules.end(), [](const Rule& x) { return x.backend == Backend::legacy; }));
}

TEST_CASE("Docker 29 nftables backend: vmaps, native dnat, comments in user data") {
  const Ruleset r = decode("docker29_nft");
  check_base(chain_of(r, Family::ip, "docker-bridges", "raw-PREROUTING"), Hook::prerouting, -300,
             ChainType::filter, false);
  check_base(chain_of(r, Family::ip, "docker-bridges", "nat-OUTPUT"), Hook::output, -100, ChainType::nat, false);

  const auto raw = rules_of(r, Family::ip, "docker-bridges", "raw-PREROUTING");
  REQUIRE(raw.size() == 2);
  CHECK(raw[0]->comment == "DROP DIRECT ACCESS");
  check_prefix(*raw[0], Field::daddr, "192.0.2.2", 32);
  check_interface(*raw[0], Field::iifname, "bridge1", true);
  CHECK(raw[0]->action.kind == ActionKind::drop);

  const auto forward = rules_of(r, Family::ip, "docker-bridges", "filter-FORWARD");
  REQUIRE(forward.size() == 2);
  CHECK(forward[0]->matches.empty());
  const Action& vmap = forward[0]->action;
  CHECK(vmap.kind == ActionKind::vmap);
  CHECK(vmap.vmap_key == Field::oifname);
  REQUIRE(vmap.vmap.size() == 1);
  CHECK(vmap.vmap[0].key == "bridge1");
  CHECK(vmap.vmap[0].kind == ActionKind::jump);
  CHECK(vmap.vmap[0].chain == "filter-forward-in__bridge1");
  CHECK(forward[1]->action.vmap_key == Field::iifname);
  CHECK(forward[1]->action.vmap[0].chain == "filter-forward-out__bridge1");

  const auto dnat = rules_of(r, Family::ip, "docker-bridges", "nat-prerouting-and-output");
  REQUIRE(dnat.size() == 1);
  CHECK(dnat[0]->action.kind == ActionKind::dnat);
  CHECK(*dnat[0]->action.nat_address == ip("192.0.2.2"));
  CHECK(dnat[0]->action.nat_port_min == 80);
  CHECK(describe(*dnat[0]) == "iifname != \"bridge1\" ip daddr 127.0.0.1 meta l4proto tcp th dport 8080 "
                              "dnat to 192.0.2.2:80 comment \"DNAT\"");

  const auto fwd_in = rules_of(r, Family::ip, "docker-bridges", "filter-forward-in__bridge1");
  REQUIRE(fwd_in.size() == 4);
  CHECK(find(*fwd_in[0], Field::ct_state)->mask == (2u | 4u));
  CHECK(fwd_in[3]->matches.empty());
  CHECK(fwd_in[3]->action.kind == ActionKind::drop);
  CHECK(fwd_in[3]->comment == "UNPUBLISHED PORT DROP");

  const auto masq = rules_of(r, Family::ip, "docker-bridges", "nat-postrouting-in__bridge1");
  REQUIRE(masq.size() == 1);
  CHECK(find(*masq[0], Field::saddr_type)->mask == 1u << k_rtn_local);
  const auto masq_out = rules_of(r, Family::ip, "docker-bridges", "nat-postrouting-out__bridge1");
  check_prefix(*masq_out[0], Field::saddr, "192.0.2.0", 24);  // a three-byte load

  // ip6: payload + bitwise prefix, and an anonymous interval set of ports.
  const auto v6 = rules_of(r, Family::ip6, "docker-bridges", "filter-FORWARD");
  REQUIRE(v6.size() == 1);
  check_prefix(*v6[0], Field::saddr, "fe80::", 10, true);
  check_ranges(*v6[0], Field::dport, {{80, 80}, {443, 443}, {8000, 8100}});

  // A packet forwarded to the container through the vmap reaches the port rule.
  Packet p;
  p.source = ip("198.51.100.7");
  p.destination = ip("192.0.2.2");
  p.destination_port = 80;
  p.input_interface = "eth0";
  p.output_interface = "bridge1";
  HookOutcome out = walk_hook(r, Hook::forward, p);
  CHECK(out.kind == HookOutcome::Kind::accepted);
  REQUIRE_FALSE(out.trace.empty());
  CHECK(out.trace.back() == fwd_in[2]);
  p.destination_port = 81;
  out = walk_hook(r, Hook::forward, p);
  CHECK(out.kind == HookOutcome::Kind::dropped);
  CHECK(out.rule == fwd_in[3]);
}

TEST_CASE("looked_up_sets names the maps and anonymous sets rules read") {
  const auto refs = collect::looked_up_sets(nft_dump("docker29_nft").rules);
  REQUIRE(refs.size() == 5);
  CHECK(refs[0].table == "docker-bridges");
  CHECK(refs[0].name == "filter-forward-in-jumps");
  CHECK(refs[0].family == 2);
  CHECK(refs[4].name == "__set0");
  CHECK(refs[4].family == 10);
}

TEST_CASE("netavark: inet table, dnat ip to, marks") {
  const Ruleset r = decode("netavark_nft");
  check_base(chain_of(r, Family::inet, "netavark", "PREROUTING"), Hook::prerouting, -100, ChainType::nat, false);

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
  const Match* ct_mark = find(*forward[1], Field::unknown);
  REQUIRE(ct_mark != nullptr);
  CHECK(ct_mark->text == "ct mark & 0x1000 == 0x1000");

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

  // `meta mark set ...` is a side effect: no match, no verdict.
  const auto setmark = rules_of(r, Family::inet, "netavark", "NETAVARK-HOSTPORT-SETMARK");
  REQUIRE(setmark.size() == 1);
  CHECK(setmark[0]->matches.empty());
  CHECK(setmark[0]->action.kind == ActionKind::next);

  Packet p;
  p.source = ip("192.0.2.10");
  p.destination = ip("192.0.2.1");
  p.destination_port = 8080;
  p.input_interface = "eth0";
  p.destination_type = k_rtn_local;
  const HookOutcome out = walk_hook(r, Hook::prerouting, p, WalkOptions{ChainType::nat, {}});
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
  CHECK(find(*docker[3], Field::unknown)->text == "xt match physdev");
  const Match* mark = find(*docker[4], Field::mark);
  CHECK(mark->mask == 0xffu);
  CHECK(mark->ranges == std::vector<Range>{{0x10, 0x10}});
  CHECK(find(*docker[5], Field::unknown)->text == "limit rate 10/second");

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
  // tcp flags syn limit ...: both conditions stay, as unknown.
  REQUIRE(in[6]->matches.size() == 3);
  CHECK(in[6]->matches[1].field == Field::unknown);
  CHECK(in[6]->matches[2].text == "limit rate 10/second");
  CHECK(in[7]->matches[0].text == "quota over 10485760 bytes");
  CHECK(in[7]->action.kind == ActionKind::drop);
  CHECK(find(*in[8], Field::unknown)->text == "ct status & 0x20 != 0x0");
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

TEST_CASE("damaged dumps do not crash the decoder") {
  NftDump dump = nft_dump("docker29_nft");
  for (auto* bytes : {&dump.chains, &dump.rules, &dump.sets, &dump.set_elements}) {
    bytes->resize(bytes->size() / 2 + 3);
  }
  const Ruleset r = collect::parse_nftables(dump);
  CHECK(r.rules.size() < 18);
  NftDump junk;
  junk.rules.assign(64, std::byte{0x11});
  CHECK(collect::parse_nftables(junk).rules.size() <= 1);
}

TEST_SUITE_END();
