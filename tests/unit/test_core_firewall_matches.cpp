// The conditions real firewalls write beyond addresses and ports (issue 22):
// what each answers for the first packet of a new connection. The decoders'
// side is in test_netfilter_xt / test_netfilter_nft_shapes; the inventory
// of who writes what is src/core/firewall/EVALUATION.md.
#include <doctest/doctest.h>

#include "core/firewall/packet_walk.hpp"
#include "facts_builder.hpp"

using namespace whyno;
using namespace whyno::nf;
using whyno::test::ip;

namespace {

Match flags(std::uint32_t mask, std::uint32_t value, bool negated = false) {
  Match m;
  m.field = Field::tcp_flags;
  m.mask = mask;
  m.ranges.push_back({value, value});
  m.negated = negated;
  return m;
}

Match of(Field field, bool negated = false) {
  Match m;
  m.field = field;
  m.negated = negated;
  return m;
}

Match ports(Field field, std::vector<std::pair<std::uint32_t, std::uint32_t>> ranges) {
  Match m;
  m.field = field;
  m.ranges = std::move(ranges);
  return m;
}

Packet syn_to(std::uint16_t port) {
  Packet p;
  p.source = ip("198.51.100.7");
  p.destination = ip("192.0.2.1");
  p.destination_port = port;
  p.input_interface = "eth0";
  return p;
}

Chain input_chain() {
  return Chain{Backend::nftables, Family::ip, "filter", "INPUT",
               BaseChain{Hook::input, 0, ChainType::filter, false}};
}

Rule rule(std::vector<Match> matches, ActionKind kind, std::vector<MarkSet> marks = {}) {
  Rule r;
  r.table = "filter";
  r.chain = "INPUT";
  r.matches = std::move(matches);
  r.action.kind = kind;
  r.marks = std::move(marks);
  return r;
}

}  // namespace

TEST_SUITE_BEGIN("core_firewall_matches");

TEST_CASE("tcp flags: the first packet is a SYN") {
  const Packet p = syn_to(80);
  // iptables --syn: --tcp-flags FIN,SYN,RST,ACK SYN.
  CHECK(evaluate(flags(0x17, 0x02), p) == Tri::yes);
  CHECK(evaluate(flags(0x17, 0x02, true), p) == Tri::no);  // ! --syn
  // --tcp-flags ALL NONE (a null scan), --tcp-flags SYN,ACK SYN,ACK.
  CHECK(evaluate(flags(0x3f, 0x00), p) == Tri::no);
  CHECK(evaluate(flags(0x12, 0x12), p) == Tri::no);
  // nft `tcp flags syn`: (flags & syn) != 0.
  CHECK(evaluate(flags(0x02, 0x00, true), p) == Tri::yes);
  // A UDP datagram has no flags.
  Packet udp = p;
  udp.l4proto = 17;
  CHECK(evaluate(flags(0x17, 0x02), udp) == Tri::no);
}

TEST_CASE("sport . dport as one value: the destination port decides") {
  // ufw's DHCP rule: -p udp --sport 67 --dport 68, which iptables-nft
  // compares as one 4-byte load.
  const Match dhcp = ports(Field::port_pair, {{(67u << 16) | 68u, (67u << 16) | 68u}});
  CHECK(evaluate(dhcp, syn_to(8080)) == Tri::no);
  CHECK(evaluate(dhcp, syn_to(68)) == Tri::maybe);  // the client's port is not known
  Packet known = syn_to(68);
  known.source_port = 67;
  CHECK(evaluate(dhcp, known) == Tri::yes);
  known.source_port = 40000;
  CHECK(evaluate(dhcp, known) == Tri::no);
}

TEST_CASE("multiport --ports: either port, the source an ephemeral one") {
  CHECK(evaluate(ports(Field::any_port, {{22, 22}, {8080, 8080}}), syn_to(8080)) == Tri::yes);
  CHECK(evaluate(ports(Field::any_port, {{22, 22}, {443, 443}}), syn_to(8080)) == Tri::no);
  CHECK(evaluate(ports(Field::any_port, {{40000, 40010}}), syn_to(8080)) == Tri::maybe);
}

TEST_CASE("rpfilter: the route back to the source, when known") {
  Packet p = syn_to(80);
  CHECK(evaluate(of(Field::rpfilter), p) == Tri::maybe);
  p.reverse_path_valid = true;
  CHECK(evaluate(of(Field::rpfilter), p) == Tri::yes);
  CHECK(evaluate(of(Field::rpfilter, true), p) == Tri::no);  // firewalld: rpfilter --invert drop
  p.reverse_path_valid = false;
  CHECK(evaluate(of(Field::rpfilter, true), p) == Tri::yes);
}

TEST_CASE("counters, limits and random branches match the first packet") {
  const Packet p = syn_to(80);
  CHECK(evaluate(of(Field::always), p) == Tri::yes);           // nfacct, recent --set
  CHECK(evaluate(of(Field::rate_limit), p) == Tri::yes);       // limit 10/s: not exceeded
  CHECK(evaluate(of(Field::rate_limit, true), p) == Tri::no);  // limit over 10/s
  CHECK(evaluate(of(Field::random), p) == Tri::yes);
  CHECK(evaluate(of(Field::ip6_routing_header), p) == Tri::no);
  CHECK(evaluate(of(Field::unknown), p) == Tri::maybe);  // recent --rcheck, quota, ...
}

TEST_CASE("marks: a rule sets them, a later rule tests them") {
  // kube-proxy: KUBE-MARK-MASQ sets 0x4000 in the packet's mark; netavark
  // and users move it into the connection's with CONNMARK/ct mark set.
  Ruleset r;
  r.chains = {input_chain()};
  MarkSet or_masq;
  or_masq.target = MarkSet::Slot::packet;
  or_masq.from = MarkSet::Slot::packet;
  or_masq.and_mask = ~0x4000u;
  or_masq.xor_value = 0x4000;
  MarkSet save;
  save.target = MarkSet::Slot::connection;
  save.from = MarkSet::Slot::packet;
  save.and_mask = 0xffffffff;
  Match masq_marked = ports(Field::mark, {{0x4000, 0x4000}});
  masq_marked.mask = 0x4000;
  Match connection_marked = ports(Field::ct_mark, {{0x4000, 0x4000}});
  r.rules = {rule({}, ActionKind::next, {or_masq, save}), rule({connection_marked}, ActionKind::drop)};
  const Packet p = syn_to(80);
  auto out = walk_hook(r, Hook::input, p);
  CHECK(out.kind == HookOutcome::Kind::dropped);
  CHECK(out.packet.mark == 0x4000);
  CHECK(out.packet.ct_mark == 0x4000);
  // Without the rule that sets it, the mark is 0 and nothing drops.
  r.rules.erase(r.rules.begin());
  out = walk_hook(r, Hook::input, p);
  CHECK(out.kind == HookOutcome::Kind::accepted);
  CHECK(evaluate(masq_marked, p) == Tri::no);
}

TEST_SUITE_END();
