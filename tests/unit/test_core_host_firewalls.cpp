// ufw and firewalld on a Docker 29 host, replayed from the snapshots the
// twin recorded (tests/e2e/firewall_ufw.sh, firewall_firewalld.sh): what the
// diagnosis says about them, beyond the verdict that
// test_core_diagnose_recorded checks.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "core/firewall/ufw_words.hpp"
#include "fixtures.hpp"
#include "whyno/core/paths/diagnose.hpp"
#include "whyno/snapshot/snapshot.hpp"

using namespace whyno;

TEST_SUITE_BEGIN("core_host_firewalls");

namespace {

Diagnosis replay(const std::string& name) {
  const auto snap = snapshot::load(test::fixture_text("snapshots/" + name + ".json"));
  REQUIRE(snap.has_value());
  return diagnose(snap->query, snap->facts, snap->probe);
}

/// The evidence line that contains every one of `words`, or "".
std::string evidence_with(const Diagnosis& d, std::initializer_list<std::string_view> words) {
  const auto it = std::find_if(d.evidence.begin(), d.evidence.end(), [&](const std::string& line) {
    return std::all_of(words.begin(), words.end(),
                       [&](std::string_view w) { return line.find(w) != std::string::npos; });
  });
  return it == d.evidence.end() ? std::string() : *it;
}

bool mentions(const std::string& text, std::string_view word) { return text.find(word) != std::string::npos; }

bool uncertain(const Diagnosis& d) { return !evidence_with(d, {"cannot evaluate"}).empty(); }

}  // namespace

TEST_CASE("ufw deny: ufw is active, and its INPUT rule never sees a published port") {
  const Diagnosis d = replay("reachable__firewall-ufw-3");
  CHECK(d.verdict == Verdict::reachable);
  CHECK_FALSE(evidence_with(d, {"ufw is active"}).empty());
  const std::string input = evidence_with(d, {"ufw-user-input", "filters INPUT only"});
  CHECK(mentions(input, "a `ufw deny` rule"));
  CHECK(mentions(input, "DNATed to 192.0.2.2:80"));
  // ufw's FORWARD policy (DEFAULT_FORWARD_POLICY="DROP") comes after Docker's accept.
  CHECK_FALSE(evidence_with(d, {"policy drop (ufw's DEFAULT_FORWARD_POLICY) does not apply"}).empty());
}

TEST_CASE("ufw route deny: a shadowed drop, after Docker's accept") {
  const Diagnosis d = replay("reachable__firewall-ufw-5");
  CHECK(d.verdict == Verdict::reachable);
  const std::string shadowed = evidence_with(d, {"ufw-user-forward", "a shadowed drop"});
  CHECK(mentions(shadowed, "a `ufw route` rule"));
  CHECK(mentions(shadowed, "ip filter DOCKER accepted it first"));
  CHECK_FALSE(uncertain(d));
}

TEST_CASE("ufw-docker: DOCKER-USER sends the packet to ufw-user-forward, whose route deny drops it") {
  const Diagnosis d = replay("firewall-blocked__firewall-ufw-6");
  CHECK(d.verdict == Verdict::firewall_blocked);
  CHECK(mentions(d.summary, "ufw-user-forward"));
  // ufw's own words: delete the user's route deny (an allow added after it
  // is never met), or insert an allow for this client before it.
  REQUIRE(d.fix_commands.size() == 1);
  CHECK(d.fix_commands[0] == "ufw route delete deny proto tcp from any to 192.0.2.2 port 80");
  CHECK(mentions(d.fix, "ufw route insert 1 allow proto tcp from 203.0.113.2 to any port 80"));
  CHECK(evidence_with(d, {"a shadowed drop"}).empty());
}

TEST_CASE("ufw disable: its empty chains do not make ufw active") {
  const Diagnosis d = replay("reachable__firewall-ufw-8");
  CHECK(d.verdict == Verdict::reachable);
  CHECK(evidence_with(d, {"ufw is active"}).empty());
  // The run's container names contain "ufw" (wt-firewall-ufw-...): look for
  // what is said of ufw itself.
  CHECK(evidence_with(d, {"(ufw"}).empty());
  CHECK(evidence_with(d, {"ufw's"}).empty());
}

TEST_CASE("firewalld's start flushed Docker's rules: nothing-published, naming firewalld") {
  const Diagnosis d = replay("nothing-published__firewall-firewalld-1");
  CHECK(d.verdict == Verdict::nothing_published);
  CHECK(mentions(d.summary, "firewalld"));
  CHECK(mentions(d.summary, "Docker's chains and DNAT rules"));
  CHECK(mentions(d.fix, "firewalld's start/reload removed Docker's rules"));
  CHECK(mentions(d.fix, "systemctl restart docker"));
  // firewalld's INPUT reject is listed too, after the verdict's cause.
  REQUIRE_FALSE(d.also.empty());
  CHECK(d.also.front().verdict == Verdict::firewall_blocked);
  CHECK_FALSE(evidence_with(d, {"firewalld is active"}).empty());
}

TEST_CASE("firewalld: Docker's chains back, this port's DNAT not (moby#50443)") {
  const Diagnosis d = replay("nothing-published__firewall-firewalld-6");
  CHECK(d.verdict == Verdict::nothing_published);
  CHECK(mentions(d.summary, "moby#50443"));
  CHECK(mentions(d.summary, "dockerd wrote its chains again"));
}

TEST_CASE("firewalld's iptables backend reload: the same verdict") {
  const Diagnosis d = replay("nothing-published__firewall-firewalld-10");
  CHECK(d.verdict == Verdict::nothing_published);
  CHECK(mentions(d.summary, "firewalld"));
  CHECK_FALSE(evidence_with(d, {"firewalld is active", "iptables backend"}).empty());
}

TEST_CASE("firewalld, bridge in zone public: ct status dnat accepts the published port") {
  const Diagnosis d = replay("reachable__firewall-firewalld-4");
  CHECK(d.verdict == Verdict::reachable);
  CHECK_FALSE(evidence_with(d, {"inet firewalld filter_FORWARD", "`ct status dnat accept`"}).empty());
  CHECK_FALSE(uncertain(d));
}

TEST_CASE("firewalld, routed bridge in no zone: rejected, the fix names the bridge") {
  const Diagnosis d = replay("firewall-blocked__firewall-firewalld-7");
  CHECK(d.verdict == Verdict::firewall_blocked);
  CHECK(mentions(d.summary, "firewalld"));
  CHECK(mentions(d.fix, "firewall-cmd --permanent --zone=docker --add-interface=bridge1"));
  CHECK_FALSE(mentions(d.fix, "BRIDGE"));
}

TEST_CASE("firewalld, routed bridge in zone docker: raw PREROUTING's oifname leaves no doubt") {
  const Diagnosis d = replay("reachable__firewall-firewalld-8");
  CHECK(d.verdict == Verdict::reachable);
  CHECK_FALSE(uncertain(d));
  CHECK_FALSE(evidence_with(d, {"firewalld is active"}).empty());
}
