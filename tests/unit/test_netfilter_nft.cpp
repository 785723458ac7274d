// nftables decoding, against dumps recorded from the kernel (see
// tests/fixtures/netfilter/README.md).
#include <doctest/doctest.h>

#include <netinet/in.h>  // before the linux/ headers, which define in_addr too

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <cstdint>
#include <vector>

#include "test_netfilter_nft_fixtures.hpp"
#include "core/firewall/packet_walk.hpp"
#include "netfilter/nft_value.hpp"

using namespace whyno;
using namespace whyno::nf;
using namespace whyno::test::nf_fixtures;

TEST_SUITE_BEGIN("netfilter_nft");

TEST_CASE("host: Docker 20.10 iptables-nft rules with a published container") {
  NftDump dump = nft_dump("host_docker20");
  Ruleset r = netfilter::parse_nftables(dump);
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
  CHECK(
      describe(*filter_docker[0]) ==
      "iifname != \"docker0\" oifname \"docker0\" meta l4proto tcp ip daddr 172.17.0.2 th dport 3000 accept");

  // The packet walk over the decoded rules finds the DNAT.
  const HookOutcome out =
      walk_hook(r, Hook::prerouting, remote_packet(), WalkOptions{ChainType::nat, {}, {}});
  REQUIRE(out.nat.has_value());
  CHECK(out.nat->rule == &dnat);
  CHECK(out.uncertain.empty());

  // The host also had an empty iptables-legacy nat table.
  const std::string base = "host_docker20/";
  netfilter::parse_legacy_table({Family::ip, "nat", read_bytes(base + "legacy_ip_nat.info"),
                                 read_bytes(base + "legacy_ip_nat.entries")},
                                r);
  CHECK(r.unread.empty());
  const auto legacy_pre = std::find_if(r.chains.begin(), r.chains.end(), [](const Chain& c) {
    return c.backend == Backend::legacy && c.name == "PREROUTING";
  });
  REQUIRE(legacy_pre != r.chains.end());
  check_base(&*legacy_pre, Hook::prerouting, -100, ChainType::nat, false);
  CHECK(std::none_of(r.rules.begin(), r.rules.end(),
                     [](const Rule& x) { return x.backend == Backend::legacy; }));
}

TEST_CASE("Docker 29 nftables backend: vmaps, native dnat, comments in user data") {
  const Ruleset r = decode("docker29_nft");
  check_base(chain_of(r, Family::ip, "docker-bridges", "raw-PREROUTING"), Hook::prerouting, -300,
             ChainType::filter, false);
  check_base(chain_of(r, Family::ip, "docker-bridges", "nat-OUTPUT"), Hook::output, -100, ChainType::nat,
             false);

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
  CHECK(describe(*dnat[0]) ==
        "iifname != \"bridge1\" ip daddr 127.0.0.1 meta l4proto tcp th dport 8080 "
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
  const auto refs = netfilter::looked_up_sets(nft_dump("docker29_nft").rules);
  REQUIRE(refs.size() == 5);
  CHECK(refs[0].table == "docker-bridges");
  CHECK(refs[0].name == "filter-forward-in-jumps");
  CHECK(refs[0].family == 2);
  CHECK(refs[4].name == "__set0");
  CHECK(refs[4].family == 10);
}

TEST_CASE("damaged dumps do not crash the decoder") {
  NftDump dump = nft_dump("docker29_nft");
  for (auto* bytes : {&dump.chains, &dump.rules, &dump.sets, &dump.set_elements}) {
    bytes->resize(bytes->size() / 2 + 3);
  }
  const Ruleset r = netfilter::parse_nftables(dump);
  CHECK(r.rules.size() < 18);
  NftDump junk;
  junk.rules.assign(64, std::byte{0x11});
  CHECK(netfilter::parse_nftables(junk).rules.size() <= 1);
}

namespace {

/// One nftables message built with libmnl, as the kernel would send it
/// (type NFT_MSG_NEW*), with `fill` adding its attributes.
template <typename Fill>
std::vector<std::byte> nft_message(std::uint16_t msg_type, Fill&& fill) {
  std::vector<std::byte> buffer(static_cast<std::size_t>(MNL_SOCKET_BUFFER_SIZE));
  nlmsghdr* nlh = mnl_nlmsg_put_header(buffer.data());
  nlh->nlmsg_type = static_cast<std::uint16_t>((NFNL_SUBSYS_NFTABLES << 8) | msg_type);
  auto* nfg = static_cast<nfgenmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(nfgenmsg)));
  nfg->nfgen_family = NFPROTO_IPV4;
  mnl_attr_put_strz(nlh, 1, "filter");  // NFTA_{RULE,SET,SET_ELEM_LIST}_TABLE
  fill(nlh);
  buffer.resize(nlh->nlmsg_len);
  return buffer;
}

/// An expression: its name (none when null), and empty data.
void put_expression(nlmsghdr* nlh, std::uint16_t type, const char* name) {
  nlattr* e = mnl_attr_nest_start(nlh, type);
  if (name != nullptr) {
    mnl_attr_put_strz(nlh, NFTA_EXPR_NAME, name);
  }
  mnl_attr_nest_end(nlh, mnl_attr_nest_start(nlh, NFTA_EXPR_DATA));
  mnl_attr_nest_end(nlh, e);
}

std::vector<std::byte> rule_with(const char* name) {
  return nft_message(NFT_MSG_NEWRULE, [&](nlmsghdr* nlh) {
    mnl_attr_put_strz(nlh, NFTA_RULE_CHAIN, "INPUT");
    nlattr* list = mnl_attr_nest_start(nlh, NFTA_RULE_EXPRESSIONS);
    put_expression(nlh, NFTA_LIST_ELEM, "counter");
    put_expression(nlh, NFTA_LIST_ELEM, name);
    mnl_attr_nest_end(nlh, list);
  });
}

std::vector<std::byte> joined(std::vector<std::byte> a, const std::vector<std::byte>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

TEST_CASE("messages libnftnl would misread are unread, not crashes") {
  // libnftnl looks an expression up by NFTA_EXPR_NAME without checking there
  // is one: strcmp(NULL + 4) (found by tests/fuzz/fuzz_nftables).
  const auto good = rule_with("counter");
  const auto nameless = rule_with(nullptr);
  NftDump dump;
  dump.rules = joined(nameless, good);
  const Ruleset r = netfilter::parse_nftables(dump);
  CHECK(r.rules.size() == 1);
  REQUIRE(r.unread.size() == 1);
  CHECK(r.unread[0].source == "nftables rules");
  CHECK(netfilter::looked_up_sets(nameless).empty());

  // A name without its NUL, at the very end of the dump: strcmp would read
  // past the buffer.
  auto unterminated = nft_message(NFT_MSG_NEWRULE, [](nlmsghdr* nlh) {
    nlattr* list = mnl_attr_nest_start(nlh, NFTA_RULE_EXPRESSIONS);
    nlattr* e = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
    mnl_attr_put(nlh, NFTA_EXPR_NAME, 4, "cmp!");
    mnl_attr_nest_end(nlh, e);
    mnl_attr_nest_end(nlh, list);
  });
  dump.rules = unterminated;
  CHECK(netfilter::parse_nftables(dump).unread.size() == 1);
  // So is a chain name strdup() would copy on from.
  NftDump chains;
  chains.chains =
      nft_message(NFT_MSG_NEWCHAIN, [](nlmsghdr* nlh) { mnl_attr_put(nlh, NFTA_CHAIN_NAME, 8, "FORWARD!"); });
  const Ruleset unnamed_chain = netfilter::parse_nftables(chains);
  CHECK(unnamed_chain.chains.empty());
  CHECK(unnamed_chain.unread.size() == 1);

  // A jump without its chain: nftnl_parse_verdict would take a stale stack
  // slot for the chain attribute (its table is not zeroed).
  dump.rules = nft_message(NFT_MSG_NEWRULE, [](nlmsghdr* nlh) {
    nlattr* list = mnl_attr_nest_start(nlh, NFTA_RULE_EXPRESSIONS);
    nlattr* e = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
    mnl_attr_put_strz(nlh, NFTA_EXPR_NAME, "immediate");
    nlattr* data = mnl_attr_nest_start(nlh, NFTA_EXPR_DATA);
    mnl_attr_put_u32(nlh, NFTA_IMMEDIATE_DREG, htonl(NFT_REG_VERDICT));
    nlattr* reg = mnl_attr_nest_start(nlh, NFTA_IMMEDIATE_DATA);
    nlattr* verdict = mnl_attr_nest_start(nlh, NFTA_DATA_VERDICT);
    mnl_attr_put_u32(nlh, NFTA_VERDICT_CODE, htonl(static_cast<std::uint32_t>(NFT_JUMP)));
    mnl_attr_nest_end(nlh, verdict);
    mnl_attr_nest_end(nlh, reg);
    mnl_attr_nest_end(nlh, data);
    mnl_attr_nest_end(nlh, e);
    mnl_attr_nest_end(nlh, list);
  });
  CHECK(netfilter::parse_nftables(dump).unread.size() == 1);

  // Inside a dynset, a set and a set element, expressions are parsed alike.
  dump.rules = nft_message(NFT_MSG_NEWRULE, [](nlmsghdr* nlh) {
    nlattr* list = mnl_attr_nest_start(nlh, NFTA_RULE_EXPRESSIONS);
    nlattr* e = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
    mnl_attr_put_strz(nlh, NFTA_EXPR_NAME, "dynset");
    nlattr* data = mnl_attr_nest_start(nlh, NFTA_EXPR_DATA);
    put_expression(nlh, NFTA_DYNSET_EXPR, nullptr);
    mnl_attr_nest_end(nlh, data);
    mnl_attr_nest_end(nlh, e);
    mnl_attr_nest_end(nlh, list);
  });
  CHECK(netfilter::parse_nftables(dump).unread.size() == 1);
  dump = NftDump{};
  dump.sets = nft_message(NFT_MSG_NEWSET, [](nlmsghdr* nlh) {
    mnl_attr_put_strz(nlh, NFTA_SET_NAME, "s");
    put_expression(nlh, NFTA_SET_EXPR, nullptr);
  });
  dump.set_elements = nft_message(NFT_MSG_NEWSETELEM, [](nlmsghdr* nlh) {
    mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, "s");
    nlattr* elements = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
    nlattr* element = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
    nlattr* expressions = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_EXPRESSIONS);
    put_expression(nlh, NFTA_LIST_ELEM, nullptr);
    mnl_attr_nest_end(nlh, expressions);
    mnl_attr_nest_end(nlh, element);
    mnl_attr_nest_end(nlh, elements);
  });
  const Ruleset sets = netfilter::parse_nftables(dump);
  REQUIRE(sets.unread.size() == 2);
  CHECK(sets.unread[0].reason == "an nftables set message could not be parsed");
  CHECK(sets.unread[1].reason == "an nftables set element message could not be parsed");
}

TEST_CASE("a set describing more than 16 concatenated fields is unread") {
  // libnftnl stores the field lengths in a 16-entry array without counting
  // and writes on over the set object (found by tests/fuzz/fuzz_nftables).
  const auto set_with_fields = [](int count) {
    return nft_message(NFT_MSG_NEWSET, [&](nlmsghdr* nlh) {
      mnl_attr_put_strz(nlh, NFTA_SET_NAME, "s");
      mnl_attr_put_u32(nlh, NFTA_SET_KEY_LEN, htonl(4));
      nlattr* description = mnl_attr_nest_start(nlh, NFTA_SET_DESC);
      nlattr* concat = mnl_attr_nest_start(nlh, NFTA_SET_DESC_CONCAT);
      for (int i = 0; i < count; ++i) {
        nlattr* field = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
        mnl_attr_put_u32(nlh, NFTA_SET_FIELD_LEN, htonl(4));
        mnl_attr_nest_end(nlh, field);
      }
      mnl_attr_nest_end(nlh, concat);
      mnl_attr_nest_end(nlh, description);
    });
  };
  NftDump dump;
  dump.sets = set_with_fields(16);
  CHECK(netfilter::parse_nftables(dump).unread.empty());
  dump.sets = set_with_fields(64);
  const Ruleset r = netfilter::parse_nftables(dump);
  REQUIRE(r.unread.size() == 1);
  CHECK(r.unread[0].reason == "an nftables set message could not be parsed");
}

TEST_SUITE_END();

TEST_CASE("a data register with neither a value nor a verdict is unread") {
  // libnftnl switches on a type nftnl_parse_data never set: a set element
  // came out as a jump without a chain, strlen(NULL)
  // (tests/fuzz/crashes/nftables-data-neither-value-nor-verdict).
  NftDump dump;
  dump.sets = nft_message(NFT_MSG_NEWSET, [](nlmsghdr* nlh) { mnl_attr_put_strz(nlh, NFTA_SET_NAME, "s"); });
  dump.set_elements = nft_message(NFT_MSG_NEWSETELEM, [](nlmsghdr* nlh) {
    mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, "s");
    nlattr* elements = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
    nlattr* element = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
    nlattr* key = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_KEY);
    mnl_attr_put_u32(nlh, NFTA_DATA_VALUE, htonl(80));
    mnl_attr_nest_end(nlh, key);
    nlattr* data = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_DATA);
    mnl_attr_put_u32(nlh, 35, 0);  // no attribute libnftnl knows
    mnl_attr_nest_end(nlh, data);
    mnl_attr_nest_end(nlh, element);
    mnl_attr_nest_end(nlh, elements);
  });
  const Ruleset sets = netfilter::parse_nftables(dump);
  REQUIRE(sets.unread.size() == 1);
  CHECK(sets.unread[0].reason == "an nftables set element message could not be parsed");
}

TEST_CASE("a set element attribute past NFTA_SET_ELEM_MAX is unread") {
  // libnftnl bounds element attribute types by NFTA_SET_MAX and stores them
  // in a table of NFTA_SET_ELEM_MAX + 1 on the stack: a type in between
  // smashed its stack (tests/fuzz/crashes/nftables-element-attribute-past-table).
  NftDump dump;
  dump.sets = nft_message(NFT_MSG_NEWSET, [](nlmsghdr* nlh) { mnl_attr_put_strz(nlh, NFTA_SET_NAME, "s"); });
  dump.set_elements = nft_message(NFT_MSG_NEWSETELEM, [](nlmsghdr* nlh) {
    mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, "s");
    nlattr* elements = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
    nlattr* element = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
    mnl_attr_put_u32(nlh, NFTA_SET_ELEM_MAX + 1, 0);
    mnl_attr_nest_end(nlh, element);
    mnl_attr_nest_end(nlh, elements);
  });
  const Ruleset sets = netfilter::parse_nftables(dump);
  REQUIRE(sets.unread.size() == 1);
  CHECK(sets.unread[0].reason == "an nftables set element message could not be parsed");
}

TEST_CASE("an address compared under a mask shorter than its load is no prefix (fuzz finding)") {
  // tests/fuzz/crashes/nftables-prefix-mask-shorter-than-load: a bitwise of
  // 1 byte before a 4-byte daddr compare read the mask past its end.
  netfilter::nft::RegValue v;
  v.source = netfilter::nft::Source::field;
  v.field = nf::Field::daddr;
  v.len = 4;
  v.family = IpFamily::v4;
  v.mask = {0xff};
  nf::Match m;
  CHECK_FALSE(netfilter::nft::add_compare(v, netfilter::nft::CmpOp::eq, {10, 0, 0, 1}, m));
  CHECK(m.prefixes.empty());
  v.mask = {0xff, 0xff, 0xff, 0x00};  // as the kernel writes a /24
  CHECK(netfilter::nft::add_compare(v, netfilter::nft::CmpOp::eq, {10, 0, 0, 1}, m));
  REQUIRE(m.prefixes.size() == 1);
  CHECK(m.prefixes.front().to_string() == "10.0.0.0/24");
}

TEST_CASE("a verdict where a data register holds a value is unread (fuzz finding)") {
  // libnftnl strdup()s a jump's chain name in any data register but frees it
  // only for an immediate and a set element's data: a cmp operand or a set
  // key holding a jump leaked it
  // (tests/fuzz/crashes/nftables-verdict-where-a-value-belongs).
  const auto put_jump = [](nlmsghdr* nlh, std::uint16_t type) {
    nlattr* reg = mnl_attr_nest_start(nlh, type);
    nlattr* verdict = mnl_attr_nest_start(nlh, NFTA_DATA_VERDICT);
    mnl_attr_put_u32(nlh, NFTA_VERDICT_CODE, htonl(static_cast<std::uint32_t>(NFT_JUMP)));
    mnl_attr_put_strz(nlh, NFTA_VERDICT_CHAIN, "DOCKER");
    mnl_attr_nest_end(nlh, verdict);
    mnl_attr_nest_end(nlh, reg);
  };
  const auto rule_of = [&](const char* expression, std::uint16_t reg_type) {
    return nft_message(NFT_MSG_NEWRULE, [&](nlmsghdr* nlh) {
      mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, "filter");
      mnl_attr_put_strz(nlh, NFTA_RULE_CHAIN, "FORWARD");
      nlattr* list = mnl_attr_nest_start(nlh, NFTA_RULE_EXPRESSIONS);
      nlattr* e = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
      mnl_attr_put_strz(nlh, NFTA_EXPR_NAME, expression);
      nlattr* data = mnl_attr_nest_start(nlh, NFTA_EXPR_DATA);
      put_jump(nlh, reg_type);
      mnl_attr_nest_end(nlh, data);
      mnl_attr_nest_end(nlh, e);
      mnl_attr_nest_end(nlh, list);
    });
  };
  NftDump dump;
  dump.rules = rule_of("immediate", NFTA_IMMEDIATE_DATA);  // where a jump belongs
  CHECK(netfilter::parse_nftables(dump).unread.empty());
  for (const auto& [expression, reg_type] : {std::pair<const char*, int>{"cmp", NFTA_CMP_DATA},
                                             {"bitwise", NFTA_BITWISE_MASK},
                                             {"range", NFTA_RANGE_FROM_DATA}}) {
    CAPTURE(expression);
    dump.rules = rule_of(expression, static_cast<std::uint16_t>(reg_type));
    const Ruleset r = netfilter::parse_nftables(dump);
    REQUIRE(r.unread.size() == 1);
    CHECK(r.unread[0].source == "nftables rules");
  }

  dump = NftDump{};
  dump.sets = nft_message(NFT_MSG_NEWSET, [](nlmsghdr* nlh) { mnl_attr_put_strz(nlh, NFTA_SET_NAME, "s"); });
  dump.set_elements = nft_message(NFT_MSG_NEWSETELEM, [&](nlmsghdr* nlh) {
    mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, "s");
    nlattr* elements = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
    nlattr* element = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
    put_jump(nlh, NFTA_SET_ELEM_KEY);
    mnl_attr_nest_end(nlh, element);
    mnl_attr_nest_end(nlh, elements);
  });
  const Ruleset sets = netfilter::parse_nftables(dump);
  REQUIRE(sets.unread.size() == 1);
  CHECK(sets.unread[0].reason == "an nftables set element message could not be parsed");
}
