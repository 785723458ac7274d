// Who wrote each nftables rule (netfilter/nft_writer.hpp), on rules
// iptables-nft 1.8.9 and nft 1.0.6 wrote into the same iptables-nft tables
// (tests/fixtures/netfilter/iptables_nft_mixed), and the syntax each is
// then shown in.

#include <doctest/doctest.h>

#include <algorithm>
#include <array>

#include "core/firewall/rule_syntax.hpp"
#include "netfilter/nft_writer.hpp"
#include "test_netfilter_nft_fixtures.hpp"

using namespace whyno;
using namespace whyno::nf;
using namespace whyno::test::nf_fixtures;
using netfilter::nft::WriterSignals;

TEST_SUITE_BEGIN("netfilter_nft");

namespace {

const Rule& by_handle(const Ruleset& r, Family family, std::uint64_t handle) {
  const auto it = std::find_if(r.rules.begin(), r.rules.end(), [&](const Rule& rule) {
    return rule.family == family && rule.handle == handle;
  });
  REQUIRE(it != r.rules.end());
  return *it;
}

}  // namespace

TEST_CASE("iptables-nft and nft rules in one table: each rule's own bytes say who wrote it") {
  const Ruleset r = decode("iptables_nft_mixed");
  struct Expected {
    std::uint64_t handle;
    Writer writer;
    const char* why;
  };
  const std::array<Expected, 13> expected{{
      {4, Writer::unknown, "-p tcp --dport 3000 -j DROP: the bytes of nft's tcp dport 3000 counter drop"},
      {5, Writer::iptables, "-i eth0 -m comment: eth0 over 5 bytes, an xt comment match"},
      {6, Writer::iptables, "! -o docker0: docker0 over 8 bytes"},
      {7, Writer::unknown, "-o veth+: a bare prefix, as nft's \"veth*\""},
      {8, Writer::iptables, "-m conntrack: an xt match"},
      {9, Writer::unknown, "-j RETURN: a counter and a verdict"},
      {3, Writer::unknown, "-A FORWARD -j DOCKER-USER"},
      {10, Writer::nft, "tcp dport 4000 drop: no counter"},
      {11, Writer::unknown, "tcp dport 4001 counter drop: iptables-nft's bytes"},
      {12, Writer::nft, "iifname eth0: compared over IFNAMSIZ"},
      {13, Writer::nft, "comment \"from nft\": user data"},
      {14, Writer::nft, "counter tcp dport 4002 drop: the counter before a match"},
      {16, Writer::nft, "tcp dport { 4003, 4004 }: a set lookup"},
  }};
  for (const Expected& e : expected) {
    CHECK_MESSAGE(by_handle(r, Family::ip, e.handle).writer == e.writer, e.why);
  }
  CHECK(by_handle(r, Family::ip6, 2).writer == Writer::iptables);  // ip6tables-nft -i lo: 3 bytes
  CHECK(by_handle(r, Family::ip6, 3).writer == Writer::nft);       // nft iifname lo: 16 bytes
}

TEST_CASE("a user's nft rule in iptables-nft's DOCKER-USER is shown in nft syntax with its handle") {
  const Ruleset r = decode("iptables_nft_mixed");
  const AuthoredRule nft_rule = authored(r, by_handle(r, Family::ip, 10));
  CHECK(nft_rule.syntax == Syntax::nft);
  CHECK(display(nft_rule) == "ip filter DOCKER-USER handle 10: `tcp dport 4000 drop`");
  const AuthoredRule commented = authored(r, by_handle(r, Family::ip, 13));
  CHECK(commented.text == "ip saddr 10.2.0.0/16 accept comment \"from nft\"");

  const AuthoredRule iptables_rule = authored(r, by_handle(r, Family::ip, 5));
  CHECK(iptables_rule.syntax == Syntax::iptables);
  CHECK(iptables_rule.tool == "iptables-nft");
  CHECK(iptables_rule.location == "filter DOCKER-USER, rule 2");
  // Rules the bytes cannot tell apart keep the table's shape: iptables'.
  const AuthoredRule same_bytes = authored(r, by_handle(r, Family::ip, 11));
  CHECK(same_bytes.syntax == Syntax::iptables);
  CHECK(same_bytes.text == "-A DOCKER-USER -p tcp -m tcp --dport 4001 -j DROP");
}

TEST_CASE("recorded Docker rulesets: iptables-nft's never read as nft's, and the reverse") {
  for (const Rule& rule : decode("docker28_iptables_nft").rules) {
    CHECK(rule.writer != Writer::nft);
  }
  for (const Rule& rule : decode("hostfw").rules) {
    if (rule.family == Family::ip && rule.table == "filter") {
      CHECK(rule.writer != Writer::nft);  // hostfw/rules.sh: iptables-nft
    }
  }
  for (const Rule& rule : decode("docker29_nft").rules) {
    CHECK(rule.writer != Writer::iptables);
  }
}

TEST_CASE("user data: a comment is nft's, iptables' COMPAT_EXT is iptables', a torn TLV ends the walk") {
  WriterSignals comment;
  netfilter::nft::note_userdata(std::array<std::uint8_t, 5>{0, 3, 'a', 'b', 0}, comment);
  CHECK(comment.comment_userdata);
  CHECK_FALSE(comment.compat_userdata);

  WriterSignals compat;
  netfilter::nft::note_userdata(std::array<std::uint8_t, 6>{2, 2, 1, 2, 0, 1}, compat);
  CHECK(compat.compat_userdata);

  WriterSignals torn;
  netfilter::nft::note_userdata(std::array<std::uint8_t, 4>{2, 9, 1, 2}, torn);
  CHECK_FALSE(torn.compat_userdata);
  CHECK_FALSE(torn.comment_userdata);
}

TEST_CASE("writer_from: what only iptables-nft writes wins; what it never writes is nft's") {
  WriterSignals iptables_shape;
  iptables_shape.counters = 1;
  iptables_shape.counter_before_verdict = true;
  CHECK(netfilter::nft::writer_from(iptables_shape) == Writer::unknown);

  WriterSignals xt = iptables_shape;
  xt.xt = true;
  CHECK(netfilter::nft::writer_from(xt) == Writer::iptables);
  WriterSignals compat = iptables_shape;
  compat.compat_userdata = true;
  compat.comment_userdata = true;
  CHECK(netfilter::nft::writer_from(compat) == Writer::iptables);
  WriterSignals short_name = iptables_shape;
  short_name.short_interface = true;
  CHECK(netfilter::nft::writer_from(short_name) == Writer::iptables);

  CHECK(netfilter::nft::writer_from(WriterSignals{}) == Writer::nft);  // no counter
  WriterSignals two_counters = iptables_shape;
  two_counters.counters = 2;
  two_counters.counter_before_verdict = false;
  CHECK(netfilter::nft::writer_from(two_counters) == Writer::nft);
  WriterSignals padded = iptables_shape;
  padded.padded_interface = true;
  CHECK(netfilter::nft::writer_from(padded) == Writer::nft);
  WriterSignals sets = iptables_shape;
  sets.set_lookup = true;
  CHECK(netfilter::nft::writer_from(sets) == Writer::nft);
}

TEST_SUITE_END();
