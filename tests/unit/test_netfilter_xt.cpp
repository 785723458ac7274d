// x_tables payload decoders (shared by iptables-nft compat expressions and
// iptables-legacy) on hand-built structs, and iptables-legacy table blobs
// recorded from the kernel.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/xt_addrtype.h>
#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_connmark.h>
#include <linux/netfilter/xt_conntrack.h>
#include <linux/netfilter/xt_iprange.h>
#include <linux/netfilter/xt_multiport.h>
#include <linux/netfilter/xt_recent.h>
#include <linux/netfilter/xt_state.h>
#include <linux/netfilter/xt_statistic.h>
#include <linux/netfilter/xt_tcpudp.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <span>
#include <string>
#include <vector>

#include "test_netfilter_nft_fixtures.hpp"
#include "netfilter/xt_decode.hpp"
#include "netfilter/xt_legacy_decode.hpp"
#include "core/firewall/packet_walk.hpp"
#include "core/firewall/rule_syntax.hpp"

using namespace whyno;
using namespace whyno::nf;
using whyno::netfilter::decode_xt_match;
using whyno::netfilter::decode_xt_target;
using whyno::test::nf_fixtures::chain_of;
using whyno::test::nf_fixtures::find;
using whyno::test::nf_fixtures::ip;
using whyno::test::nf_fixtures::Range;
using whyno::test::nf_fixtures::rules_of;

namespace {

template <typename T>
std::vector<std::uint8_t> bytes_of(const T& value) {
  std::vector<std::uint8_t> out(sizeof value);
  std::memcpy(out.data(), &value, sizeof value);
  return out;
}

netfilter::LegacyTableDump legacy_table(Family family, const char* table) {
  return whyno::test::nf_fixtures::legacy_table("legacy", family, table);
}

}  // namespace

TEST_SUITE_BEGIN("netfilter_xt");

TEST_CASE("xt tcp: ports in host byte order, inversion per side") {
  // iptables >= 1.8.8 writes native payload matches, so build the struct
  // iptables <= 1.8.7 (and legacy) store: -p tcp --sport 1024:65535 ! --dport 8080
  xt_tcp tcp{};
  tcp.spts[0] = 1024;
  tcp.spts[1] = 65535;
  tcp.dpts[0] = 8080;
  tcp.dpts[1] = 8080;
  tcp.invflags = XT_TCP_INV_DSTPT;
  const auto info = bytes_of(tcp);
  const auto r = decode_xt_match("tcp", 0, info, Family::ip);
  REQUIRE(r.matches.size() == 2);
  CHECK(r.matches[0].field == Field::sport);
  CHECK_FALSE(r.matches[0].negated);
  CHECK(r.matches[0].ranges == std::vector<Range>{{1024, 65535}});
  CHECK(r.matches[1].field == Field::dport);
  CHECK(r.matches[1].negated);
  CHECK(r.matches[1].ranges == std::vector<Range>{{8080, 8080}});

  // The default [0, 65535] checks nothing; --syn is (flags & FIN,SYN,RST,ACK) == SYN.
  xt_tcp syn{};
  syn.spts[1] = 0xffff;
  syn.dpts[1] = 0xffff;
  syn.flg_mask = 0x17;
  syn.flg_cmp = 0x02;
  const auto syn_info = bytes_of(syn);
  const auto s = decode_xt_match("tcp", 0, syn_info, Family::ip);
  REQUIRE(s.matches.size() == 1);
  CHECK(s.matches[0].field == Field::tcp_flags);
  CHECK(s.matches[0].mask == 0x17);
  CHECK(s.matches[0].ranges == std::vector<Range>{{0x02, 0x02}});
  CHECK_FALSE(s.matches[0].negated);

  // A payload too short to hold the struct.
  const std::vector<std::uint8_t> short_info(4);
  CHECK(decode_xt_match("tcp", 0, short_info, Family::ip).matches[0].field == Field::unknown);
}

TEST_CASE("xt udp, addrtype, multiport, comment, unknown matches") {
  xt_udp udp{};
  udp.spts[0] = 53;
  udp.spts[1] = 53;
  udp.dpts[1] = 0xffff;
  udp.invflags = XT_UDP_INV_SRCPT;
  const auto udp_info = bytes_of(udp);
  const auto u = decode_xt_match("udp", 0, udp_info, Family::ip6);
  REQUIRE(u.matches.size() == 1);
  CHECK(u.matches[0].field == Field::sport);
  CHECK(u.matches[0].negated);

  // -m addrtype --src-type LOCAL ! --dst-type LOCAL,BROADCAST
  xt_addrtype_info_v1 at{};
  at.source = XT_ADDRTYPE_LOCAL;
  at.dest = XT_ADDRTYPE_LOCAL | XT_ADDRTYPE_BROADCAST;
  at.flags = XT_ADDRTYPE_INVERT_DEST;
  const auto at_info = bytes_of(at);
  const auto a = decode_xt_match("addrtype", 1, at_info, Family::ip);
  REQUIRE(a.matches.size() == 2);
  CHECK(a.matches[0].field == Field::saddr_type);
  CHECK(a.matches[0].mask == 1u << k_rtn_local);
  CHECK(a.matches[1].field == Field::daddr_type);
  CHECK(a.matches[1].negated);
  CHECK(a.matches[1].mask == ((1u << 2) | (1u << 3)));

  // -m multiport --dports 22,8000:8100 (rev 1, pflags mark ranges)
  xt_multiport_v1 mp{};
  mp.flags = XT_MULTIPORT_DESTINATION;
  mp.count = 3;
  mp.ports[0] = 22;
  mp.ports[1] = 8000;
  mp.ports[2] = 8100;
  mp.pflags[1] = 1;
  const auto mp_info = bytes_of(mp);
  const auto m = decode_xt_match("multiport", 1, mp_info, Family::ip);
  REQUIRE(m.matches.size() == 1);
  CHECK(m.matches[0].field == Field::dport);
  CHECK(m.matches[0].ranges == std::vector<Range>{{22, 22}, {8000, 8100}});

  xt_comment_info comment{};
  std::strcpy(comment.comment, "allow web");
  const auto comment_info = bytes_of(comment);
  const auto c = decode_xt_match("comment", 0, comment_info, Family::ip);
  CHECK(c.matches.empty());
  CHECK(c.comment == "allow web");

  const std::vector<std::uint8_t> opaque(40);
  const auto p = decode_xt_match("physdev", 0, opaque, Family::ip);
  REQUIRE(p.matches.size() == 1);
  CHECK(p.matches[0].field == Field::unknown);
  CHECK(p.matches[0].text.starts_with("-m physdev: "));
}

TEST_CASE("xt matches real firewalls write: iptables' spelling, evaluated where a first packet can be") {
  // ufw's `limit`: -m recent --set, then --update --seconds 30 --hitcount 6.
  xt_recent_mtinfo recent{};
  std::strcpy(recent.name, "DEFAULT");
  recent.side = XT_RECENT_SOURCE;
  recent.check_set = XT_RECENT_SET;
  const auto set_info = bytes_of(recent);
  const auto set = decode_xt_match("recent", 0, set_info, Family::ip);
  REQUIRE(set.matches.size() == 1);
  CHECK(set.matches[0].field == Field::always);
  CHECK(set.matches[0].text == "-m recent --set --name DEFAULT: records the source; always matches");
  recent.check_set = XT_RECENT_UPDATE;
  recent.seconds = 30;
  recent.hit_count = 6;
  const auto update_info = bytes_of(recent);
  const auto update = decode_xt_match("recent", 0, update_info, Family::ip);
  REQUIRE(update.matches.size() == 1);
  CHECK(update.matches[0].field == Field::unknown);
  CHECK(update.matches[0].text.starts_with("-m recent --update --seconds 30 --hitcount 6 --name DEFAULT: "));

  // kube-proxy's endpoint choice, and a rule on every packet.
  xt_statistic_info stat{};
  stat.mode = XT_STATISTIC_MODE_RANDOM;
  stat.u.random.probability = 0x40000000;  // 0.5 of 2^31
  const auto random_info = bytes_of(stat);
  const auto random = decode_xt_match("statistic", 0, random_info, Family::ip);
  CHECK(random.matches[0].field == Field::random);
  CHECK(random.matches[0].text.starts_with("-m statistic --mode random --probability 0.50000000000: "));
  stat = {};
  stat.mode = XT_STATISTIC_MODE_NTH;
  const auto every_info = bytes_of(stat);
  CHECK(decode_xt_match("statistic", 0, every_info, Family::ip).matches[0].field == Field::always);
  stat.u.nth.every = 1;  // --every 2
  const auto nth_info = bytes_of(stat);
  const auto nth = decode_xt_match("statistic", 0, nth_info, Family::ip);
  CHECK(nth.matches[0].field == Field::unknown);
  CHECK(nth.matches[0].text.starts_with("-m statistic --mode nth --every 2 --packet 0: "));

  // -m iprange --src-range 10.0.0.1-10.0.0.6: the prefixes it spans.
  xt_iprange_mtinfo range{};
  range.flags = IPRANGE_SRC;
  range.src_min.ip = inet_addr("10.0.0.1");
  range.src_max.ip = inet_addr("10.0.0.6");
  const auto range_info = bytes_of(range);
  const auto r = decode_xt_match("iprange", 1, range_info, Family::ip);
  REQUIRE(r.matches.size() == 1);
  CHECK(r.matches[0].field == Field::saddr);
  CHECK(r.matches[0].prefixes.size() == 4);

  // -m connmark --mark 0x1/0xff
  xt_connmark_mtinfo1 connmark{};
  connmark.mark = 1;
  connmark.mask = 0xff;
  const auto connmark_info = bytes_of(connmark);
  const auto c = decode_xt_match("connmark", 1, connmark_info, Family::ip);
  CHECK(c.matches[0].field == Field::ct_mark);
  CHECK(c.matches[0].mask == 0xff);

  // A rule shows the spelling; the meaning goes to the evidence.
  Rule rule;
  rule.table = "filter";
  rule.chain = "DOCKER-USER";
  rule.matches = update.matches;
  rule.action.kind = ActionKind::drop;
  CHECK(iptables_text(rule) ==
        "-A DOCKER-USER -m recent --update --seconds 30 --hitcount 6 --name DEFAULT -j DROP");
}

TEST_CASE("xt conntrack and state: masks converted to nft ct state bits") {
  // -m conntrack ! --ctstate RELATED,ESTABLISHED,UNTRACKED
  xt_conntrack_mtinfo3 ct{};
  ct.match_flags = XT_CONNTRACK_STATE;
  ct.invert_flags = XT_CONNTRACK_STATE;
  ct.state_mask = static_cast<__u16>(XT_CONNTRACK_STATE_BIT(IP_CT_ESTABLISHED) |
                                     XT_CONNTRACK_STATE_BIT(IP_CT_RELATED) | XT_CONNTRACK_STATE_UNTRACKED);
  const auto ct_info = bytes_of(ct);
  const auto r = decode_xt_match("conntrack", 3, ct_info, Family::ip);
  REQUIRE(r.matches.size() == 1);
  CHECK(r.matches[0].field == Field::ct_state);
  CHECK(r.matches[0].negated);
  CHECK(r.matches[0].mask == (2u | 4u | 64u));

  // --ctstate DNAT, SNAT: pseudo states nft has no bit for (firewalld's
  // `--ctstate RELATED,ESTABLISHED,DNAT`); they take bits of their own.
  ct.invert_flags = 0;
  ct.state_mask = static_cast<__u16>(XT_CONNTRACK_STATE_BIT(IP_CT_ESTABLISHED) |
                                     XT_CONNTRACK_STATE_BIT(IP_CT_RELATED) | XT_CONNTRACK_STATE_DNAT);
  const auto dnat_info = bytes_of(ct);
  const auto dnat = decode_xt_match("conntrack", 3, dnat_info, Family::ip);
  REQUIRE(dnat.matches.size() == 1);
  CHECK(dnat.matches[0].field == Field::ct_state);
  CHECK(dnat.matches[0].mask == (2u | 4u | k_ct_state_dnat));
  ct.state_mask = XT_CONNTRACK_STATE_SNAT;
  const auto snat_info = bytes_of(ct);
  CHECK(decode_xt_match("conntrack", 3, snat_info, Family::ip).matches[0].mask == k_ct_state_snat);

  // --ctstatus: IPS_* bits, as nf::Field::ct_status holds them.
  xt_conntrack_mtinfo1 ct1{};
  ct1.match_flags = XT_CONNTRACK_STATE | XT_CONNTRACK_STATUS;
  ct1.invert_flags = XT_CONNTRACK_STATUS;
  ct1.state_mask = static_cast<__u8>(XT_CONNTRACK_STATE_BIT(IP_CT_NEW));
  ct1.status_mask = IPS_ASSURED;
  const auto ct1_info = bytes_of(ct1);
  const auto r1 = decode_xt_match("conntrack", 1, ct1_info, Family::ip);
  REQUIRE(r1.matches.size() == 2);
  CHECK(r1.matches[0].mask == 8u);
  CHECK(r1.matches[1].field == Field::ct_status);
  CHECK(r1.matches[1].negated);
  CHECK(r1.matches[1].mask == static_cast<std::uint32_t>(IPS_ASSURED));

  // Other conntrack criteria stay as an unknown condition.
  xt_conntrack_mtinfo3 ct3{};
  ct3.match_flags = XT_CONNTRACK_ORIGSRC;
  const auto ct3_info = bytes_of(ct3);
  const auto r3 = decode_xt_match("conntrack", 3, ct3_info, Family::ip);
  REQUIRE(r3.matches.size() == 1);
  CHECK(r3.matches[0].field == Field::unknown);

  // -m state --state INVALID,UNTRACKED; `! --state NEW` is the complement.
  xt_state_info st{};
  st.statemask = XT_STATE_INVALID | XT_STATE_UNTRACKED;
  const auto st_info = bytes_of(st);
  const auto s = decode_xt_match("state", 0, st_info, Family::ip);
  REQUIRE(s.matches.size() == 1);
  CHECK(s.matches[0].mask == (1u | 64u));
  st.statemask = ~static_cast<unsigned>(XT_STATE_BIT(IP_CT_NEW));
  const auto not_new = bytes_of(st);
  CHECK(decode_xt_match("state", 0, not_new, Family::ip).matches[0].mask == (1u | 2u | 4u | 64u));
}

TEST_CASE("xt NAT targets: every revision, addresses and ports in network order") {
  nf_nat_ipv4_multi_range_compat compat{};
  compat.rangesize = 1;
  compat.range[0].flags = NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED;
  compat.range[0].min_ip = htonl(0xac110002);  // 172.17.0.2
  compat.range[0].max_ip = compat.range[0].min_ip;
  compat.range[0].min.all = htons(3000);
  compat.range[0].max.all = htons(3000);
  const auto rev0 = bytes_of(compat);
  const Action a0 = decode_xt_target("DNAT", 0, rev0, Family::ip);
  CHECK(a0.kind == ActionKind::dnat);
  CHECK(*a0.nat_address == ip("172.17.0.2"));
  CHECK(a0.nat_port_min == 3000);

  nf_nat_range range{};
  range.flags = NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED;
  inet_pton(AF_INET6, "fd00::2", &range.min_addr.in6);
  range.min_proto.all = htons(80);
  range.max_proto.all = htons(81);
  const auto rev1 = bytes_of(range);
  const Action a1 = decode_xt_target("DNAT", 1, rev1, Family::ip6);
  CHECK(*a1.nat_address == ip("fd00::2"));
  CHECK(a1.nat_port_min == 80);
  CHECK(a1.nat_port_max == 81);

  nf_nat_range2 range2{};
  range2.flags = NF_NAT_RANGE_MAP_IPS;  // no port: the port is kept
  range2.min_addr.ip = htonl(0xc0000209);
  const auto rev2 = bytes_of(range2);
  const Action a2 = decode_xt_target("SNAT", 2, rev2, Family::ip);
  CHECK(a2.kind == ActionKind::snat);
  CHECK(*a2.nat_address == ip("192.0.2.9"));
  CHECK(a2.nat_port_min == 0);

  compat.range[0].flags = NF_NAT_RANGE_PROTO_SPECIFIED;
  compat.range[0].min.all = htons(8080);
  const auto redirect = bytes_of(compat);
  const Action r = decode_xt_target("REDIRECT", 0, redirect, Family::ip);
  CHECK(r.kind == ActionKind::redirect);
  CHECK_FALSE(r.nat_address.has_value());
  CHECK(r.nat_port_min == 8080);

  CHECK(decode_xt_target("MASQUERADE", 0, rev0, Family::ip).kind == ActionKind::masquerade);
  CHECK(decode_xt_target("REJECT", 0, {}, Family::ip).kind == ActionKind::reject);
  CHECK(decode_xt_target("LOG", 0, {}, Family::ip).kind == ActionKind::next);
  CHECK(decode_xt_target("CONNMARK", 1, {}, Family::ip).kind == ActionKind::next);
  const Action unknown = decode_xt_target("TPROXY", 1, {}, Family::ip);
  CHECK(unknown.kind == ActionKind::unknown);
  CHECK(unknown.text == "xt target TPROXY");
  CHECK(decode_xt_target("DNAT", 2, std::vector<std::uint8_t>(8), Family::ip).kind == ActionKind::unknown);
}

TEST_CASE("iptables-legacy: chains, policies, jumps, gotos and xt payloads") {
  Ruleset r;
  for (const char* table : {"filter", "nat", "raw"}) {
    netfilter::parse_legacy_table(legacy_table(Family::ip, table), r);
  }
  for (const char* table : {"filter", "nat"}) {
    netfilter::parse_legacy_table(legacy_table(Family::ip6, table), r);
  }
  CHECK(r.unread.empty());

  const Chain* forward = chain_of(r, Family::ip, "filter", "FORWARD");
  REQUIRE(forward != nullptr);
  CHECK(forward->backend == Backend::legacy);
  REQUIRE(forward->base.has_value());
  CHECK(forward->base->hook == Hook::forward);
  CHECK(forward->base->priority == 0);
  CHECK(forward->base->policy_drop);
  CHECK_FALSE(chain_of(r, Family::ip, "filter", "INPUT")->base->policy_drop);
  CHECK(chain_of(r, Family::ip6, "filter", "FORWARD")->base->policy_drop);
  const Chain* nat_pre = chain_of(r, Family::ip, "nat", "PREROUTING");
  CHECK(nat_pre->base->type == ChainType::nat);
  CHECK(nat_pre->base->priority == -100);
  CHECK(chain_of(r, Family::ip, "nat", "POSTROUTING")->base->priority == 100);
  CHECK(chain_of(r, Family::ip, "raw", "PREROUTING")->base->priority == -300);
  const Chain* user = chain_of(r, Family::ip, "filter", "DOCKER-USER");
  REQUIRE(user != nullptr);
  CHECK_FALSE(user->base.has_value());

  // -A FORWARD -j DOCKER-USER; -A FORWARD -g DOCKER-ISOLATION-STAGE-1
  const auto fwd = rules_of(r, Family::ip, "filter", "FORWARD");
  REQUIRE(fwd.size() == 2);
  CHECK(fwd[0]->action.kind == ActionKind::jump);
  CHECK(fwd[0]->action.chain == "DOCKER-USER");
  CHECK(fwd[1]->action.kind == ActionKind::goto_);
  CHECK(fwd[1]->action.chain == "DOCKER-ISOLATION-STAGE-1");
  CHECK(fwd[0]->handle < fwd[1]->handle);
  CHECK(fwd[0]->backend == Backend::legacy);

  // The explicit -j RETURN is a rule; the implicit chain footer is not.
  const auto du = rules_of(r, Family::ip, "filter", "DOCKER-USER");
  REQUIRE(du.size() == 3);
  CHECK(find(*du[0], Field::saddr)->prefixes[0] == IpPrefix{ip("198.51.100.0"), 24});
  CHECK(du[0]->action.kind == ActionKind::drop);
  const Match* veth = find(*du[1], Field::iifname);
  REQUIRE(veth != nullptr);
  CHECK(veth->interfaces[0] == InterfaceName{"veth", true});
  CHECK(du[1]->comment == "veth traffic");
  CHECK(du[2]->action.kind == ActionKind::return_);
  CHECK(du[2]->matches.empty());

  const auto iso = rules_of(r, Family::ip, "filter", "DOCKER-ISOLATION-STAGE-1");
  REQUIRE(iso.size() == 4);
  CHECK(find(*iso[0], Field::ct_state)->mask == (2u | 4u));
  CHECK(iso[1]->action.chain == "DOCKER");
  CHECK(find(*iso[2], Field::ct_state)->mask == (1u | 64u));
  CHECK(describe(*iso[3]) == "iifname \"docker0\" oifname != \"docker0\" accept");

  const auto docker = rules_of(r, Family::ip, "filter", "DOCKER");
  REQUIRE(docker.size() == 3);
  CHECK(
      describe(*docker[0]) ==
      "iifname != \"docker0\" oifname \"docker0\" ip daddr 172.17.0.2 meta l4proto tcp th dport 3000 accept");
  CHECK(find(*docker[1], Field::dport)->negated);
  CHECK(docker[1]->action.kind == ActionKind::reject);
  CHECK(docker[2]->action.kind == ActionKind::next);  // -A DOCKER -s 10.0.0.1 (no -j)

  const auto nat_docker = rules_of(r, Family::ip, "nat", "DOCKER");
  REQUIRE(nat_docker.size() == 2);
  CHECK(nat_docker[0]->action.kind == ActionKind::return_);
  const Rule& dnat = *nat_docker[1];
  CHECK(dnat.action.kind == ActionKind::dnat);
  CHECK(*dnat.action.nat_address == ip("172.17.0.2"));
  CHECK(dnat.action.nat_port_min == 3000);
  CHECK(describe_chain(dnat.backend, dnat.family, dnat.table, dnat.chain) == "iptables-legacy nat DOCKER");
  const auto output = rules_of(r, Family::ip, "nat", "OUTPUT");
  REQUIRE(output.size() == 1);
  CHECK(describe(*output[0]) == "ip daddr != 127.0.0.0/8 fib daddr type local jump DOCKER");

  const auto v6 = rules_of(r, Family::ip6, "nat", "DOCKER");
  REQUIRE(v6.size() == 1);
  CHECK(describe(*v6[0]) ==
        "iifname != \"docker0\" ip6 saddr != fe80::/10 meta l4proto tcp th dport 8080 "
        "dnat to [fd00::2]:80");

  // The packet walk follows the legacy jump into DOCKER and finds the DNAT.
  Packet p;
  p.source = ip("192.0.2.10");
  p.destination = ip("192.0.2.1");
  p.destination_port = 8080;
  p.input_interface = "eth0";
  p.destination_type = k_rtn_local;
  const HookOutcome out = walk_hook(r, Hook::prerouting, p);
  REQUIRE(out.nat.has_value());
  CHECK(out.nat->rule == &dnat);
}

TEST_CASE("iptables-legacy: a damaged blob becomes an Unread entry") {
  netfilter::LegacyTableDump dump = legacy_table(Family::ip, "filter");
  dump.entries.resize(dump.entries.size() - 100);
  Ruleset r;
  netfilter::parse_legacy_table(dump, r);
  REQUIRE(r.unread.size() == 1);
  CHECK(r.unread[0].source == "iptables-legacy table filter");
  dump.info.clear();
  netfilter::parse_legacy_table(dump, r);
  CHECK(r.unread.size() == 2);
}

TEST_SUITE_END();
