// Addresses as users type them, tried as curl tries them (issue 12, part 7):
// localhost's ::1 before 127.0.0.1, a name's several addresses (happy
// eyeballs' order, a fallback when one fails at connect()), IPv4-mapped
// IPv6 and the host's own addresses on its interfaces.

#include <doctest/doctest.h>

#include <algorithm>

#include "core/paths/addresses_diagnosis.hpp"
#include "whyno/core/plan/client_addresses.hpp"
#include "facts_builder.hpp"
#include "whyno/core/paths/diagnose.hpp"
#include "whyno/core/plan/probe_plan.hpp"

using namespace whyno;
using namespace whyno::test;

TEST_SUITE_BEGIN("core_client_addresses");

namespace {

/// `web` publishes 8080 -> 3000 through docker-proxy on `proxy_host_ip`
/// only, its app on 0.0.0.0:3000; the host has ::1 on lo.
Facts proxied_web(const char* proxy_host_ip = "0.0.0.0") {
  Facts f = host_facts();
  f.host.interfaces.front().addresses.push_back({ip("::1"), 128});
  Container& web = add_container(f, "web", "172.17.0.2", {listener(Protocol::tcp, "0.0.0.0", 3000)});
  publish(web, 8080, 3000);
  f.host.listeners.push_back(docker_proxy(8080, "172.17.0.2", 3000, proxy_host_ip));
  return f;
}

bool has_evidence(const Diagnosis& d, std::string_view part) {
  return std::any_of(d.evidence.begin(), d.evidence.end(),
                     [&](const std::string& e) { return e.find(part) != std::string::npos; });
}

}  // namespace

TEST_CASE("localhost is ::1 then 127.0.0.1 when the host has ::1, as curl resolves it") {
  Facts f = host_facts();
  CHECK(detail::client_addresses(host_query(8080), f) == std::vector<IpAddress>{ip("127.0.0.1")});
  f.host.interfaces.front().addresses.push_back({ip("::1"), 128});
  CHECK(detail::client_addresses(host_query(8080), f) == std::vector<IpAddress>{ip("::1"), ip("127.0.0.1")});
  // A literal is one address, whatever the host has.
  CHECK(detail::client_addresses(host_query(8080, "127.0.0.1"), f) ==
        std::vector<IpAddress>{ip("127.0.0.1")});
}

TEST_CASE("a name's addresses: the first one's family first, each family in the resolver's order") {
  Facts f = host_facts();
  f.resolved_addresses = {ip("fd00::5"), ip("10.0.0.5"), ip("fd00::6"), ip("::ffff:10.0.0.6"),
                          ip("10.0.0.5")};
  CHECK(detail::client_addresses(host_query(8080, "app.test"), f) ==
        std::vector<IpAddress>{ip("fd00::5"), ip("fd00::6"), ip("10.0.0.5"), ip("10.0.0.6")});
  f.resolved_addresses = {ip("10.0.0.5"), ip("fd00::5")};
  CHECK(detail::client_addresses(host_query(8080, "app.test"), f) ==
        std::vector<IpAddress>{ip("10.0.0.5"), ip("fd00::5")});
  f.resolved_addresses.clear();
  CHECK(detail::client_addresses(host_query(8080, "app.test"), f).empty());
}

TEST_CASE("localhost: ::1 refused, 127.0.0.1 works: reachable after the fallback, ::1's failure said") {
  const Facts f = proxied_web("0.0.0.0");
  const Diagnosis d = diagnose(host_query(8080), f);
  CHECK(d.verdict == Verdict::reachable);
  REQUIRE(d.addresses.size() == 2);
  CHECK(d.addresses[0].address == ip("::1"));
  CHECK(d.addresses[0].verdict != Verdict::reachable);
  CHECK(d.addresses[0].connect_fails);
  CHECK(d.addresses[1].address == ip("127.0.0.1"));
  CHECK(d.addresses[1].verdict == Verdict::reachable);
  CHECK(d.summary.find("::1 is tried first and fails; the client falls back to 127.0.0.1.") !=
        std::string::npos);
  CHECK(has_evidence(d, "client: localhost is dialled at ::1 then 127.0.0.1"));
  CHECK(d.also.empty());  // the client got through: nothing else to fix
}

TEST_CASE("localhost: docker-proxy on [::] takes ::1, so the client never tries 127.0.0.1") {
  Facts f = proxied_web("0.0.0.0");
  f.host.listeners.push_back(docker_proxy(8080, "172.17.0.2", 3000, "::"));
  f.container_netns.begin()->second.listeners.front().address = ip("127.0.0.1");  // the app binds loopback
  const Diagnosis d = diagnose(host_query(8080), f);
  CHECK(d.verdict == Verdict::bound_to_loopback);
  REQUIRE(d.addresses.size() == 1);  // connect() to ::1 succeeded: the client stops there
  CHECK(d.addresses[0].address == ip("::1"));
  CHECK_FALSE(d.addresses[0].connect_fails);
  CHECK(d.connection_accepted);
}

TEST_CASE("a name whose every address fails at connect(): the first with something to fix decides") {
  Facts f = host_facts();
  f.host.interfaces.front().addresses.push_back({ip("::1"), 128});
  Container& web = add_container(f, "web", "172.17.0.2", {listener(Protocol::tcp, "127.0.0.1", 3000)});
  publish(web, 8080, 3000);
  f.resolved_addresses = {ip("::1"), ip("127.0.0.1")};
  // Nothing listens and no rule forwards: both are refused, the same problem.
  const Diagnosis none = diagnose(host_query(8080, "myhost"), f);
  REQUIRE(none.addresses.size() == 2);
  CHECK(none.addresses[0].connect_fails);
  CHECK(none.addresses[1].connect_fails);
  CHECK(none.verdict == none.addresses[0].verdict);  // every address is "nothing there": the first
  CHECK(none.summary == none.addresses[0].summary);
  CHECK(has_evidence(
      none, "::1 decides; also failed: 127.0.0.1 (" + std::string(code(none.addresses[1].verdict)) + ")"));

  // Docker's DNAT carries docker0's address to the app, which binds
  // loopback: the container resets the SYN, and ::1 has nothing at all.
  add_docker_rules(f, "172.17.0.2", 3000);
  f.resolved_addresses = {ip("::1"), ip("172.17.0.1")};
  const Diagnosis dnat = diagnose(host_query(8080, "myhost"), f);
  REQUIRE(dnat.addresses.size() == 2);
  CHECK(dnat.addresses[1].connect_fails);
  CHECK(dnat.verdict == Verdict::bound_to_loopback);
  CHECK(dnat.verdict == dnat.addresses[1].verdict);
  CHECK(dnat.also.empty());  // ::1's "nothing published" is evidence only
  CHECK(has_evidence(dnat, "172.17.0.1 decides; also failed: ::1 ("));
}

TEST_CASE("through DNAT the port belongs to another container: its app takes the connection, no fallback") {
  Facts f = host_facts();
  f.host.interfaces.front().addresses.push_back({ip("::1"), 128});
  Container& web = add_container(f, "web", "172.17.0.2", {listener(Protocol::tcp, "0.0.0.0", 3000)});
  publish(web, 8080, 3000);
  Container& other = add_container(f, "other", "172.17.0.3", {listener(Protocol::tcp, "0.0.0.0", 3000)});
  publish(other, 8080, 3000);
  add_docker_rules(f, "172.17.0.3", 3000);
  f.resolved_addresses = {ip("172.17.0.1"), ip("::1")};
  Query q = host_query(8080, "myhost");
  q.container = "web";
  const Diagnosis d = diagnose(q, f);
  CHECK(d.verdict == Verdict::host_port_conflict);
  REQUIRE(d.addresses.size() == 1);  // the client stops at 172.17.0.1
  CHECK_FALSE(d.addresses[0].connect_fails);
  CHECK(d.connection_accepted);
}

TEST_CASE("IPv4-mapped IPv6 and the host's own interface addresses reach what localhost reaches") {
  const Facts f = proxied_web("0.0.0.0");
  CHECK(Target::parse("::ffff:127.0.0.1").local_address() == ip("127.0.0.1"));
  CHECK(Target::parse("[::ffff:172.17.0.1]").local_address() == ip("172.17.0.1"));
  CHECK(Target::parse("::ffff:0.0.0.0").local_address() == ip("127.0.0.1"));
  const Diagnosis mapped = diagnose(host_query(8080, "::ffff:127.0.0.1"), f);
  CHECK(mapped.verdict == Verdict::reachable);
  CHECK(mapped.addresses.empty());  // one address: nothing to fall back to
  CHECK(diagnose(host_query(8080, "[::ffff:127.0.0.1]"), f).verdict == Verdict::reachable);
  CHECK(diagnose(host_query(8080, "172.17.0.1"), f).verdict == Verdict::reachable);  // docker0's address
}

TEST_CASE("the probe dials the addresses in the client's order") {
  const Facts f = proxied_web("0.0.0.0");
  const ProbeDecision local = plan_probe(host_query(8080), f);
  REQUIRE(local.plan);
  CHECK(local.plan->address == ip("::1"));
  CHECK(local.plan->fallbacks == std::vector<IpAddress>{ip("127.0.0.1")});
  const ProbeDecision literal = plan_probe(host_query(8080, "::ffff:127.0.0.1"), f);
  REQUIRE(literal.plan);
  CHECK(literal.plan->address == ip("127.0.0.1"));
  CHECK(literal.plan->fallbacks.empty());
}

TEST_CASE("another machine's address: probed from the namespace of this host that holds it, if one does") {
  Facts f = proxied_web("0.0.0.0");
  Query q = host_query(8080, "192.0.2.1");
  q.from = Client::parse("203.0.113.2");
  REQUIRE(q.from_remote());
  const ProbeDecision outside = plan_probe(q, f);
  CHECK_FALSE(outside.plan);
  CHECK(outside.skipped.find("cannot send from 203.0.113.2") != std::string::npos);

  f.client_netns = ClientNamespace{"/run/netns/lab-remote", 4026532001, "lab-remote"};
  const ProbeDecision inside = plan_probe(q, f);
  REQUIRE(inside.plan);
  CHECK(inside.plan->netns_path == "/run/netns/lab-remote");
  CHECK(inside.plan->netns_pid == 0);
  CHECK(inside.plan->address == ip("192.0.2.1"));
  CHECK(inside.plan->from == "203.0.113.2 (namespace `lab-remote` holds it)");
}

TEST_SUITE_END();
