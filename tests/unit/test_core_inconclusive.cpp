// Unknown is never OK: a path with a hop that could not be read, or whose
// probe contradicts the facts, is inconclusive, never reachable.

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>

#include "facts_builder.hpp"
#include "fixtures.hpp"
#include "whyno/core/paths/diagnose.hpp"
#include "whyno/snapshot/snapshot.hpp"

using namespace whyno;
using namespace whyno::test;

namespace {

Query remote_query() {
  Query q = host_query(8080, "198.51.100.1");
  q.from = Client::parse("198.51.100.2");
  return q;
}

Facts healthy() {
  Facts f = host_facts();
  Container& web = add_container(f, "web", "172.17.0.2", {listener(Protocol::tcp, "0.0.0.0", 3000)});
  publish(web, 8080, 3000);
  f.host.listeners.push_back(docker_proxy(8080, "172.17.0.2", 3000));
  add_docker_rules(f, "172.17.0.2", 3000);
  add_uplink(f);
  return f;
}

const Hop* hop_labelled(const Diagnosis& d, const std::string& label) {
  const auto it = std::find_if(d.path.begin(), d.path.end(), [&](const Hop& h) { return h.label == label; });
  return it == d.path.end() ? nullptr : &*it;
}

bool has_unknown_hop(const Diagnosis& d) {
  return std::any_of(d.path.begin(), d.path.end(), [](const Hop& h) { return h.state == HopState::unknown; });
}

ProbeResult probe_seen(ProbeResult::Outcome outcome, const char* detail) {
  ProbeResult r;
  r.outcome = outcome;
  r.from = "this host";
  r.target = "localhost:8080";
  r.detail = detail;
  return r;
}

}  // namespace

TEST_SUITE_BEGIN("core_inconclusive");

TEST_CASE("the target's namespace could not be read: inconclusive, not reachable") {
  Facts f = healthy();
  REQUIRE(diagnose(host_query(8080), f).verdict == Verdict::reachable);
  f.container_netns.clear();  // e.g. its PID was gone when whyno-port looked
  for (const Query& q : {host_query(8080), host_query(8080, "198.51.100.1"), remote_query()}) {
    const auto d = diagnose(q, f);
    CHECK(d.verdict == Verdict::inconclusive);
    CHECK(has_unknown_hop(d));
    CHECK(d.summary.find("could not check") != std::string::npos);
    CHECK_FALSE(d.fix.empty());
  }
}

TEST_CASE("netfilter rules that could not be read leave the filter hops unknown") {
  Facts f = healthy();
  f.ruleset.unread.push_back({"netfilter rules", "permission denied"});
  const auto d = diagnose(remote_query(), f);
  CHECK(d.verdict == Verdict::inconclusive);
  const Hop* forward = hop_labelled(d, "FORWARD");
  REQUIRE(forward != nullptr);
  CHECK(forward->state == HopState::unknown);
  CHECK(forward->detail == "netfilter rules not read: permission denied");
  CHECK(diagnose(host_query(8080), f).verdict == Verdict::inconclusive);
}

TEST_CASE("a rule that could drop the packet but cannot be evaluated is no all-clear") {
  Facts f = healthy();
  nf::Match unknown;
  unknown.field = nf::Field::unknown;
  unknown.text = "xt match \"recent\"";
  f.ruleset.rules.insert(f.ruleset.rules.begin() + 7,
                         make_rule("filter", "DOCKER-USER", {unknown}, nf::ActionKind::drop));
  const auto d = diagnose(remote_query(), f);
  CHECK(d.verdict == Verdict::inconclusive);
  const Hop* forward = hop_labelled(d, "FORWARD");
  REQUIRE(forward != nullptr);
  CHECK(forward->state == HopState::unknown);

  SUBCASE("one that could only accept sooner changes nothing") {
    f.ruleset.rules[7].action.kind = nf::ActionKind::accept;
    CHECK(diagnose(remote_query(), f).verdict == Verdict::reachable);
  }
}

TEST_CASE("forwarding that was not read is unknown for a remote client") {
  Facts f = healthy();
  f.sysctls.ipv4_forward.reset();
  const auto d = diagnose(remote_query(), f);
  CHECK(d.verdict == Verdict::inconclusive);
  CHECK(diagnose(host_query(8080), f).verdict == Verdict::reachable);  // local traffic is not forwarded
}

TEST_CASE("a probe that contradicts a reachable path makes it inconclusive") {
  Facts f = healthy();
  const auto d =
      diagnose(host_query(8080), f, probe_seen(ProbeResult::Outcome::refused, "Connection refused"));
  CHECK(d.verdict == Verdict::inconclusive);
  CHECK(d.summary ==
        "The facts say the path works, but the probe did not get through (refused: Connection "
        "refused).");
  REQUIRE(d.probe);
  CHECK_FALSE(d.probe->agrees);

  const ProbeResult silent =
      probe_seen(ProbeResult::Outcome::connected, "connected; the peer sent nothing within 100 ms");
  CHECK(diagnose(host_query(8080), f, silent).verdict == Verdict::reachable);
}

TEST_CASE("a verdict whose premise the probe contradicts is not issued") {
  // Recorded: the client has no host.docker.internal line, and the probe
  // agreed. Had the probe resolved the name and connected, the facts would
  // be stale or incomplete: no name-not-resolvable, and no exit 1.
  auto snap = snapshot::load(fixture_text("snapshots/name-not-resolvable__from-container-to-host-8.json"));
  REQUIRE(snap.has_value());
  CHECK(diagnose(snap->query, snap->facts, snap->probe).verdict == Verdict::name_not_resolvable);
  ProbeResult answered = *snap->probe;
  answered.outcome = ProbeResult::Outcome::answered;
  answered.detail = "HTTP/1.0 200 OK";
  const Diagnosis d = diagnose(snap->query, snap->facts, answered);
  CHECK(d.verdict == Verdict::inconclusive);
  CHECK(d.summary.find("The facts say name-not-resolvable, but the probe contradicts it") == 0);
  REQUIRE_FALSE(d.also.empty());
  CHECK(d.also.front().verdict == Verdict::name_not_resolvable);
  CHECK(d.fix_commands.empty());
  REQUIRE(d.probe);
  CHECK_FALSE(d.probe->agrees);
}

TEST_CASE("proof by arrival: the probe's connection seen on the app's socket proves a path not read whole") {
  Facts f = healthy();
  f.ruleset.rules.clear();
  f.ruleset.unread.push_back({"netfilter rules", "cannot read nftables rules: Operation not permitted"});
  Listener& app = f.container_netns.begin()->second.listeners.front();
  app.inode = 4242;
  app.connections = 3;
  REQUIRE(diagnose(host_query(8080), f).verdict == Verdict::inconclusive);
  ProbeResult answered = probe_seen(ProbeResult::Outcome::answered, "HTTP/1.0 200 OK");
  answered.listeners_after = {{4242, 0, 3}};  // nothing more on its port: no proof
  Diagnosis d = diagnose(host_query(8080), f, answered);
  CHECK(d.verdict == Verdict::inconclusive);
  REQUIRE(d.probe);
  CHECK(d.probe->proof == "answer");
  answered.listeners_after = {{4242, 0, 4}};  // one more: the probe's, arrived
  d = diagnose(host_query(8080), f, answered);
  CHECK(d.verdict == Verdict::reachable);
  CHECK(d.summary.find("arrived at the app in container `web`") != std::string::npos);
  CHECK_FALSE(has_unknown_hop(d));
  REQUIRE(d.probe);
  CHECK(d.probe->proof == "arrival");
  // Accepted on the way (docker-proxy, rootlesskit), never arrived: said so.
  ProbeResult reset = probe_seen(ProbeResult::Outcome::reset_or_closed, "closed right after connecting");
  reset.listeners_after = {{4242, 0, 3}};
  d = diagnose(host_query(8080), f, reset);
  CHECK(d.verdict == Verdict::inconclusive);
  CHECK(d.summary.find("never arrived at the app in container `web`") != std::string::npos);
}

TEST_CASE("no recorded scenario is reachable once a hop is taken away") {
  for (const auto& entry : std::filesystem::directory_iterator(test::fixture_path("snapshots"))) {
    if (entry.path().extension() != ".json") {
      continue;
    }
    const std::string name = entry.path().filename().string();
    INFO("snapshot: " << name);
    const auto snap = snapshot::load(test::fixture_text("snapshots/" + name));
    REQUIRE(snap.has_value());
    Facts blind_containers = snap->facts;
    blind_containers.container_netns.clear();
    CHECK(diagnose(snap->query, blind_containers).verdict != Verdict::reachable);
    Facts blind_rules = snap->facts;
    blind_rules.ruleset.rules.clear();
    blind_rules.ruleset.unread.push_back({"netfilter rules", "not read"});
    CHECK(diagnose(snap->query, blind_rules).verdict != Verdict::reachable);
  }
}

TEST_SUITE_END();
