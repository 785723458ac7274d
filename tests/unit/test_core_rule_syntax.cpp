// Rules in their author's syntax (core/rule_syntax.hpp), on recorded data:
// the iptables-legacy tables of tests/fixtures/netfilter/legacy against the
// iptables-save recorded with them, and the twin's snapshots (iptables-nft
// and native nftables); and --explain's trace on every firewall snapshot.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "core/firewall/rule_syntax.hpp"
#include "fixtures.hpp"
#include "netfilter/xt_legacy_decode.hpp"
#include "test_netfilter_nft_fixtures.hpp"
#include "whyno/core/paths/diagnose.hpp"
#include "whyno/snapshot/snapshot.hpp"

using namespace whyno;

TEST_SUITE_BEGIN("core_rule_syntax");

namespace {

snapshot::Snapshot load(const std::string& name) {
  auto snap = snapshot::load(test::fixture_text("snapshots/" + name + ".json"));
  REQUIRE(snap.has_value());
  return std::move(*snap);
}

bool has_line(const std::string& text, const std::string& line) {
  std::istringstream in(text);
  std::string l;
  while (std::getline(in, l)) {
    if (l == line) {
      return true;
    }
  }
  return false;
}

}  // namespace

TEST_CASE("iptables-legacy rules read back as iptables-save wrote them") {
  nf::Ruleset r;
  netfilter::parse_legacy_table(test::nf_fixtures::legacy_table("legacy", nf::Family::ip, "filter"), r);
  REQUIRE_FALSE(r.rules.empty());
  const std::string saved = test::fixture_text("netfilter/legacy/iptables-save.txt");
  for (const char* line :
       {"-A FORWARD -j DOCKER-USER", "-A FORWARD -g DOCKER-ISOLATION-STAGE-1",
        "-A DOCKER-USER -s 198.51.100.0/24 -j DROP",
        "-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 3000 -j ACCEPT"}) {
    REQUIRE(has_line(saved, line));
    const bool found = std::any_of(r.rules.begin(), r.rules.end(),
                                   [&](const nf::Rule& rule) { return nf::iptables_text(rule) == line; });
    CHECK_MESSAGE(found, line);
  }
  const auto user = std::find_if(r.rules.begin(), r.rules.end(),
                                 [](const nf::Rule& rule) { return rule.chain == "DOCKER-USER"; });
  REQUIRE(user != r.rules.end());
  const nf::AuthoredRule a = nf::authored(r, *user);
  CHECK(a.syntax == nf::Syntax::iptables);
  CHECK(a.tool == "iptables-legacy");
  CHECK(a.position == 1);
  CHECK(nf::display(a) ==
        "`-A DOCKER-USER -s 198.51.100.0/24 -j DROP` (iptables-legacy filter DOCKER-USER, rule 1)");
}

TEST_CASE("iptables-nft rules (the Docker 29 twin, iptables backend) are shown in iptables syntax") {
  const snapshot::Snapshot s = load("firewall-blocked__twin-docker29-iptables-3");
  const nf::Ruleset& r = s.facts.ruleset;
  const auto drop = std::find_if(r.rules.begin(), r.rules.end(), [](const nf::Rule& rule) {
    return rule.table == "raw" && rule.chain == "PREROUTING";
  });
  REQUIRE(drop != r.rules.end());
  CHECK(nf::written_by_iptables(r, *drop));
  const nf::AuthoredRule a = nf::authored(r, *drop);
  CHECK(a.tool == "iptables-nft");
  CHECK(a.text == "-A PREROUTING -d 192.0.2.2/32 ! -i bridge1 -j DROP");
  CHECK(a.location == "raw PREROUTING, rule 1");
  const Diagnosis d = diagnose(s.query, s.facts);
  REQUIRE_FALSE(d.rules.empty());
  CHECK(d.rules.front().syntax == "iptables");
  CHECK(d.rules.front().neutral == "iifname != \"bridge1\" ip daddr 192.0.2.2 drop");
  CHECK_FALSE(d.rules.front().handle.has_value());
}

TEST_CASE("native nftables rules (Docker 29, nftables backend) are shown in nft syntax with their handle") {
  const snapshot::Snapshot s = load("firewall-blocked__twin-docker29-nftables-9");
  const Diagnosis d = diagnose(s.query, s.facts);
  REQUIRE_FALSE(d.rules.empty());
  const RuleRef& ref = d.rules.front();
  CHECK(ref.syntax == "nft");
  CHECK(ref.table == "docker-bridges");
  REQUIRE(ref.handle.has_value());
  CHECK(*ref.handle == 34);
  CHECK(ref.text == "iifname \"bridge1\" drop comment \"ICC\"");
  CHECK(ref.display ==
        "ip docker-bridges filter-forward-in__bridge1 handle 34: `iifname \"bridge1\" drop comment \"ICC\"`");
  for (const nf::Rule& rule : s.facts.ruleset.rules) {
    CHECK_FALSE(nf::written_by_iptables(s.facts.ruleset, rule));
  }
}

TEST_CASE("nft syntax folds the protocol into the port: tcp dport") {
  nf::Rule rule;
  rule.matches.push_back({nf::Field::l4proto, false, {}, {}, {{6, 6}}, 0, {}});
  rule.matches.push_back({nf::Field::dport, false, {}, {}, {{3000, 3000}}, 0, {}});
  rule.action.kind = nf::ActionKind::drop;
  CHECK(nf::nft_text(rule) == "tcp dport 3000 drop");
  rule.chain = "DOCKER-USER";
  CHECK(nf::iptables_text(rule) == "-A DOCKER-USER -p tcp -m tcp --dport 3000 -j DROP");
}

TEST_CASE("--explain: every recorded firewall case shows its deciding rule or policy in the trace") {
  std::size_t cases = 0;
  for (const auto& entry : std::filesystem::directory_iterator(test::fixture_path("snapshots"))) {
    const std::string name = entry.path().stem().string();
    if (!name.starts_with("firewall-blocked__")) {
      continue;
    }
    snapshot::Snapshot s = load(name);
    s.query.explain = true;
    const Diagnosis d = diagnose(s.query, s.facts);
    CHECK_MESSAGE(d.verdict == Verdict::firewall_blocked, name);
    const bool deciding = std::any_of(d.trace.begin(), d.trace.end(), [](const TraceStep& t) {
      return t.deciding && (t.event == "rule" || t.event == "verdict");
    });
    CHECK_MESSAGE(deciding, name);
    CHECK_MESSAGE(diagnose(load(name).query, s.facts).trace.empty(), name);
    ++cases;
  }
  CHECK(cases >= 17);
}

TEST_CASE("delete commands: by position for iptables, by handle for nft, names quoted, no rule text") {
  nf::Rule r;
  r.backend = nf::Backend::nftables;
  r.family = nf::Family::ip;
  r.table = "filter";
  r.chain = "DOCKER-USER";
  r.handle = 12;
  nf::AuthoredRule a;
  a.syntax = nf::Syntax::iptables;
  a.tool = "iptables-nft";
  a.position = 1;
  a.text = "-A DOCKER-USER -m comment --comment \"$(reboot)\" -j DROP";
  auto commands = nf::delete_commands(a, r);
  REQUIRE(commands.size() == 3);
  CHECK(commands[0] == "iptables -L DOCKER-USER --line-numbers -n");
  CHECK(commands[1] == "iptables -D DOCKER-USER 1");
  for (const std::string& c : commands) {
    CHECK(c.find("reboot") == std::string::npos);  // the comment never reaches the shell
  }
  r.table = "nat";
  r.family = nf::Family::ip6;
  a.tool = "ip6tables-legacy";
  a.position = 3;
  CHECK(nf::delete_commands(a, r)[1] == "ip6tables-legacy -t nat -D DOCKER-USER 3");
  a.position = 0;
  CHECK(nf::delete_commands(a, r).empty());

  a.syntax = nf::Syntax::nft;
  r.family = nf::Family::inet;
  r.table = "my table";
  r.chain = "fwd";
  commands = nf::delete_commands(a, r);
  REQUIRE(commands.size() == 3);
  CHECK(commands[1] == "nft delete rule inet 'my table' fwd handle 12");
  r.handle = 0;
  CHECK(nf::delete_commands(a, r).empty());
}
