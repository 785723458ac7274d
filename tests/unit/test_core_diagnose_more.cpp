// Verdicts for the failure catalogue beyond the seeds, from hand-built facts.

#include <doctest/doctest.h>

#include <algorithm>

#include "facts_builder.hpp"
#include "whyno/core/paths/diagnose.hpp"
#include "whyno/model/timestamp.hpp"

using namespace whyno;
using namespace whyno::test;

namespace {

Query remote_query(const char* client) {
  Query q = host_query(8080, "198.51.100.1");
  q.from = Client::parse(client);
  return q;
}

bool mentions(const std::string& text, const char* what) { return text.find(what) != std::string::npos; }

/// web publishes 8080 -> 3000, its app on 0.0.0.0:3000, with rules.
Facts healthy() {
  Facts f = host_facts();
  Container& web = add_container(f, "web", "172.17.0.2", {listener(Protocol::tcp, "0.0.0.0", 3000)});
  publish(web, 8080, 3000);
  f.host.listeners.push_back(docker_proxy(8080, "172.17.0.2", 3000));
  add_docker_rules(f, "172.17.0.2", 3000);
  add_uplink(f);
  return f;
}

/// What Docker undoes when a container stops: its proxy and DNAT rule.
void unpublish(Facts& f) {
  f.host.listeners.clear();
  f.ruleset.rules.erase(f.ruleset.rules.begin() + 3);  // the DNAT rule of add_docker_rules
}

void stop(Container& c, const char* status, int exit_code, const char* error = "") {
  c.state.status = status;
  c.state.running = false;
  c.state.pid = 0;
  c.state.exit_code = exit_code;
  c.state.error = error;
  c.actual.clear();
}

}  // namespace

TEST_SUITE_BEGIN("core_diagnose_more");

TEST_CASE("the healthy path, from the host and from another machine") {
  Facts f = healthy();
  CHECK(diagnose(host_query(8080), f).verdict == Verdict::reachable);
  const auto d = diagnose(remote_query("198.51.100.2"), f);
  CHECK(d.verdict == Verdict::reachable);
  CHECK(d.path.front().label == "client 198.51.100.2");
  CHECK(d.path.front().detail == "arrives on eth1");
  CHECK(mentions(d.summary, "198.51.100.1:8080 from 198.51.100.2 reaches"));
  const auto forward =
      std::find_if(d.path.begin(), d.path.end(), [](const Hop& h) { return h.label == "FORWARD"; });
  REQUIRE(forward != d.path.end());
  CHECK(mentions(forward->detail, "accepted by `-A DOCKER "));
  CHECK(mentions(forward->detail, "(iptables-nft filter DOCKER, rule "));
}

TEST_CASE("container-not-running: exited, with its exit code") {
  Facts f = healthy();
  unpublish(f);
  stop(f.engine->containers.front(), "exited", 1);
  const auto d = diagnose(host_query(8080), f);
  CHECK(d.verdict == Verdict::container_not_running);
  CHECK(mentions(d.summary, "exited with code 1"));
  CHECK(mentions(d.fix, "docker start web"));
}

TEST_CASE("container-not-running: killed for memory, paused, restarting") {
  Facts f = healthy();
  unpublish(f);
  Container& web = f.engine->containers.front();
  stop(web, "exited", 137);
  web.state.oom_killed = true;
  CHECK(mentions(diagnose(host_query(8080), f).summary, "too much memory"));
  web.state.oom_killed = false;
  CHECK(mentions(diagnose(host_query(8080), f).summary, "was stopped"));
  web.state.status = "restarting";
  web.state.restarting = true;
  web.state.restart_count = 5;
  CHECK(mentions(diagnose(host_query(8080), f).summary, "restarted 5 times"));

  Facts paused = healthy();
  paused.engine->containers.front().state.paused = true;
  paused.engine->containers.front().state.status = "paused";
  const auto d = diagnose(host_query(8080), paused);
  CHECK(d.verdict == Verdict::container_not_running);
  CHECK(mentions(d.fix, "docker unpause web"));
}

TEST_CASE("host-port-conflict wins over not running when the start failed for the port") {
  Facts f = healthy();
  unpublish(f);
  f.host.listeners = {listener(Protocol::tcp, "0.0.0.0", 8080, "nginx", 321)};
  stop(f.engine->containers.front(), "created", 128,
       "driver failed programming external connectivity on endpoint web: Bind for 0.0.0.0:8080 "
       "failed: port is already allocated");
  const auto d = diagnose(host_query(8080), f);
  CHECK(d.verdict == Verdict::host_port_conflict);
  CHECK(mentions(d.summary, "could not start"));
  CHECK(mentions(d.summary, "nginx (pid 321)"));
}

TEST_CASE("host-port-conflict: a host process answers instead") {
  Facts f = host_facts();
  f.host.listeners = {listener(Protocol::tcp, "0.0.0.0", 8080, "python3", 55)};
  const auto d = diagnose(host_query(8080), f);
  CHECK(d.verdict == Verdict::host_port_conflict);
  CHECK(mentions(d.summary, "python3 (pid 55) on the host"));
}

TEST_CASE("host-port-conflict: another container holds the port") {
  Facts f = healthy();
  add_container(f, "api", "172.17.0.3");
  Query q = host_query(8080);
  q.container = "api";
  const auto d = diagnose(q, f);
  CHECK(d.verdict == Verdict::host_port_conflict);
  CHECK(mentions(d.summary, "belongs to container `web`, not container `api`"));
}

TEST_CASE("protocol-mismatch: published for udp, dialled over tcp") {
  Facts f = host_facts();
  Container& dns = add_container(f, "dns", "172.17.0.2", {listener(Protocol::udp, "0.0.0.0", 53)});
  publish(dns, 5353, 53, Protocol::udp);
  const auto d = diagnose(host_query(5353), f);
  CHECK(d.verdict == Verdict::protocol_mismatch);
  CHECK(mentions(d.summary, "for udp only"));
}

TEST_CASE("protocol-mismatch: published tcp, the app speaks udp") {
  Facts f = host_facts();
  Container& dns = add_container(f, "dns", "172.17.0.2", {listener(Protocol::udp, "0.0.0.0", 53)});
  publish(dns, 5353, 53);
  f.host.listeners.push_back(docker_proxy(5353, "172.17.0.2", 53));
  const auto d = diagnose(host_query(5353), f);
  CHECK(d.verdict == Verdict::protocol_mismatch);
  CHECK(mentions(d.fix, "-p 5353:53/udp"));
}

TEST_CASE("host-address-mismatch: published on 127.0.0.1, dialled elsewhere") {
  Facts f = host_facts();
  add_uplink(f);
  Container& web = add_container(f, "web", "172.17.0.2", {listener(Protocol::tcp, "0.0.0.0", 3000)});
  publish(web, 8080, 3000, Protocol::tcp, "127.0.0.1");
  f.host.listeners.push_back(docker_proxy(8080, "172.17.0.2", 3000, "127.0.0.1"));
  auto d = diagnose(host_query(8080, "198.51.100.1"), f);
  CHECK(d.verdict == Verdict::host_address_mismatch);
  CHECK(mentions(d.fix, "Dial 127.0.0.1:8080"));
  d = diagnose(remote_query("198.51.100.2"), f);
  CHECK(d.verdict == Verdict::host_address_mismatch);
  CHECK(mentions(d.fix, "other machines"));
  CHECK(diagnose(host_query(8080, "127.0.0.1"), f).verdict == Verdict::reachable);
}

TEST_CASE("host-network: -p is ignored, say where the app listens") {
  Facts f = host_facts();
  Container& web = add_container(f, "web", "172.17.0.2");
  web.network_mode = "host";
  web.networks.clear();
  web.intended.push_back({Protocol::tcp, 3000, "", 8080});
  Listener app = listener(Protocol::tcp, "0.0.0.0", 3000, "server", 77);
  app.owners.front().container_id = web.id;
  f.host.listeners.push_back(app);
  f.host.listeners.push_back(listener(Protocol::tcp, "0.0.0.0", 2024, "sshd", 5));
  const auto d = diagnose(host_query(8080), f);
  CHECK(d.verdict == Verdict::host_network);
  CHECK(mentions(d.summary, "0.0.0.0:3000"));
  REQUIRE(d.listeners.size() == 1);  // the host's other sockets are not the container's
  CHECK(d.listeners.front().port == 3000);
}

TEST_CASE("no-network") {
  Facts f = host_facts();
  Container& web = add_container(f, "web", "172.17.0.2");
  web.network_mode = "none";
  web.networks.clear();
  web.intended.push_back({Protocol::tcp, 3000, "", 8080});
  CHECK(diagnose(host_query(8080), f).verdict == Verdict::no_network);
}

TEST_CASE("v6only-listener, bound-to-other-address and backlog-full at the app") {
  Facts f = healthy();
  auto& app = f.container_netns.begin()->second.listeners;
  Listener v6 = listener(Protocol::tcp, "::", 3000);
  v6.v6only = true;
  app = {v6};
  CHECK(diagnose(host_query(8080), f).verdict == Verdict::v6only_listener);

  app = {listener(Protocol::tcp, "172.19.0.5", 3000)};
  f.container_netns.begin()->second.interfaces.push_back(
      {9, "eth1", "veth", 0, true, 1500, {{ip("172.19.0.5"), 16}}});
  auto d = diagnose(host_query(8080), f);
  CHECK(d.verdict == Verdict::bound_to_other_address);
  CHECK(mentions(d.summary, "its address on eth1"));

  Listener hung = listener(Protocol::tcp, "0.0.0.0", 3000);
  hung.backlog = 1;
  hung.accept_queue = 2;
  app = {hung};
  d = diagnose(host_query(8080), f);
  CHECK(d.verdict == Verdict::backlog_full);
  CHECK(mentions(d.summary, "2 connections wait"));
}

TEST_CASE("firewall-blocked: DOCKER-USER drops a remote client, named with its rule") {
  Facts f = healthy();
  f.ruleset.rules.insert(
      f.ruleset.rules.begin() + 7,
      make_rule("filter", "DOCKER-USER", {match_prefix(nf::Field::saddr, "198.51.100.0", 24)},
                nf::ActionKind::drop));
  const auto d = diagnose(remote_query("198.51.100.2"), f);
  CHECK(d.verdict == Verdict::firewall_blocked);
  CHECK(mentions(d.summary,
                 "`-A DOCKER-USER -s 198.51.100.0/24 -j DROP` (iptables-nft filter DOCKER-USER, rule 1)"));
  CHECK(diagnose(host_query(8080), f).verdict == Verdict::reachable);  // local traffic skips FORWARD
}

TEST_CASE("firewall-blocked: FORWARD policy drop without Docker's accept") {
  Facts f = healthy();
  std::erase_if(f.ruleset.rules,
                [](const nf::Rule& r) { return r.chain == "DOCKER" && r.table == "filter"; });
  const auto d = diagnose(remote_query("198.51.100.2"), f);
  CHECK(d.verdict == Verdict::firewall_blocked);
  CHECK(mentions(d.summary, "policy is drop"));
}

TEST_CASE("forwarding-disabled comes before the FORWARD chain, and both are listed") {
  Facts f = healthy();
  f.sysctls.ipv4_forward = false;
  std::erase_if(f.ruleset.rules,
                [](const nf::Rule& r) { return r.chain == "DOCKER" && r.table == "filter"; });
  const auto d = diagnose(remote_query("198.51.100.2"), f);
  CHECK(d.verdict == Verdict::forwarding_disabled);
  CHECK(mentions(d.summary, "net.ipv4.ip_forward is 0"));
  REQUIRE(d.also.size() == 1);
  CHECK(d.also.front().verdict == Verdict::firewall_blocked);
  CHECK(diagnose(host_query(8080), f).verdict == Verdict::reachable);  // the host's own client is fine
}

TEST_CASE("problems stack up: the first failing hop is the verdict") {
  Facts f = healthy();
  f.sysctls.ipv4_forward = false;
  f.container_netns.begin()->second.listeners = {listener(Protocol::tcp, "127.0.0.1", 3000)};
  const auto d = diagnose(remote_query("198.51.100.2"), f);
  CHECK(d.verdict == Verdict::forwarding_disabled);
  REQUIRE(d.also.size() == 1);
  CHECK(d.also.front().verdict == Verdict::bound_to_loopback);
}

TEST_CASE("from: a stopped target is not running, not unresolvable") {
  Facts f = host_facts();
  add_user_network(f, "net");
  Container& server = add_container(f, "server", "172.18.0.2", {}, "net");
  add_container(f, "client", "172.18.0.3", {}, "net");
  stop(f.engine->containers.front(), "exited", 2);
  (void)server;
  Query q;
  q.target = Target::parse("server");
  q.port = 3000;
  q.from = Client::parse("client");
  const auto d = diagnose(q, f);
  CHECK(d.verdict == Verdict::container_not_running);
  CHECK(mentions(d.summary, "exited with code 2"));
}

TEST_CASE("a container that restarted a moment ago is in a crash loop, not unpublished") {
  Facts f = healthy();
  unpublish(f);  // Docker has not published it again yet
  Container& web = f.engine->containers.front();
  web.state.restart_count = 3;
  web.state.started_at = "2026-11-22T20:00:00.5Z";
  f.collected_at = *parse_rfc3339("2026-11-22T20:00:02Z");
  auto d = diagnose(host_query(8080), f);
  CHECK(d.verdict == Verdict::container_not_running);
  CHECK(mentions(d.summary, "keeps restarting: restarted 3 times"));
  f.collected_at = *parse_rfc3339("2026-11-22T21:00:00Z");  // up for an hour: rules were lost
  d = diagnose(host_query(8080), f);
  CHECK(d.verdict == Verdict::nothing_published);
  CHECK_FALSE(d.disagreements.empty());
}

TEST_SUITE_END();

TEST_CASE("a proxy outliving its restarting publisher: container-not-running, not a stale rule") {
  // A restart loop caught between two runs: docker-proxy is up, the
  // container has no address, the engine says it restarts.
  Facts f = healthy();
  Container& web = f.engine->containers.front();
  stop(web, "restarting", 0);
  web.state.restarting = true;
  web.state.restart_count = 2;
  web.networks.front().ipv4.reset();
  const auto d = diagnose(host_query(8080), f);
  CHECK(d.verdict == Verdict::container_not_running);
  CHECK(mentions(d.summary, "restart"));
  CHECK(d.disagreements.empty());

  // With no publisher that is down, the address is a stale rule's.
  Facts stale = healthy();
  stale.engine->containers.front().networks.front().ipv4 = ip("172.17.0.9");
  CHECK(diagnose(host_query(8080), stale).verdict == Verdict::container_port_closed);
}
