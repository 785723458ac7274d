// The diagnosis from hand-built facts, one fact varied at a time. Recorded
// real facts are tested in test_core_diagnose_recorded.cpp.

#include <doctest/doctest.h>

#include "facts_builder.hpp"
#include "whyno/core/paths/diagnose.hpp"

using namespace whyno;
using namespace whyno::test;

namespace {

Query from_query(const char* target, std::uint16_t port, const char* client) {
  Query q;
  q.target = Target::parse(target);
  q.port = port;
  q.from = Client::parse(client);
  return q;
}

/// A published container behind docker-proxy on 0.0.0.0:8080.
Facts published(std::vector<Listener> app, std::uint16_t container_port = 3000) {
  Facts f = host_facts();
  Container& web = add_container(f, "web", "172.17.0.2", std::move(app));
  publish(web, 8080, container_port);
  f.host.listeners.push_back(docker_proxy(8080, "172.17.0.2", container_port));
  return f;
}

}  // namespace

TEST_SUITE_BEGIN("core_diagnose");

TEST_CASE("reachable through docker-proxy") {
  const auto d = diagnose(host_query(8080), published({listener(Protocol::tcp, "0.0.0.0", 3000)}));
  CHECK(d.verdict == Verdict::reachable);
  REQUIRE(d.container);
  CHECK(d.container->name == "web");
  CHECK(d.path.size() == 4);
  CHECK(d.path.back().state == HopState::ok);
  CHECK(d.fix.empty());
}

TEST_CASE("a dual-stack [::] socket takes IPv4 traffic") {
  const auto d = diagnose(host_query(8080), published({listener(Protocol::tcp, "::", 3000)}));
  CHECK(d.verdict == Verdict::reachable);
}

TEST_CASE("bound-to-loopback names the process and the bind") {
  const auto d =
      diagnose(host_query(8080), published({listener(Protocol::tcp, "127.0.0.1", 3000, "python3", 77)}));
  CHECK(d.verdict == Verdict::bound_to_loopback);
  CHECK(d.summary.find("python3 (pid 77)") != std::string::npos);
  CHECK(d.summary.find("127.0.0.1:3000 only") != std::string::npos);
  CHECK(d.summary.find("eth0 (172.17.0.2)") != std::string::npos);
  CHECK(d.fix.find("0.0.0.0:3000") != std::string::npos);
  CHECK(d.path.back().state == HopState::failed);
  CHECK(d.listeners.size() == 1);
}

TEST_CASE("container-port-closed says where the app listens") {
  const auto d = diagnose(host_query(8080), published({listener(Protocol::tcp, "0.0.0.0", 3000)}, 4000));
  CHECK(d.verdict == Verdict::container_port_closed);
  CHECK(d.summary.find("port 4000") != std::string::npos);
  CHECK(d.summary.find("0.0.0.0:3000") != std::string::npos);
  CHECK(d.fix.find("-p 8080:3000") != std::string::npos);
}

TEST_CASE("DNAT to a host address, as the kernel's rule says") {
  Facts f = published({listener(Protocol::tcp, "0.0.0.0", 3000)});
  f.host.listeners.clear();  // userland-proxy=false: only the rule
  f.host.interfaces.push_back({2, "eth0", "", 0, true, 1500, {{ip("10.0.0.5"), 24}}});
  nf::Chain output{nf::Backend::nftables, nf::Family::ip, "nat", "OUTPUT",
                   nf::BaseChain{nf::Hook::output, -100, nf::ChainType::nat, false}};
  nf::Rule r;
  r.table = "nat";
  r.chain = "OUTPUT";
  nf::Match port;
  port.field = nf::Field::dport;
  port.ranges = {{8080, 8080}};
  r.matches = {port};
  r.action.kind = nf::ActionKind::dnat;
  r.action.nat_address = ip("172.17.0.2");
  r.action.nat_port_min = 3000;
  f.ruleset.chains = {output};
  f.ruleset.rules = {r};
  const auto d = diagnose(host_query(8080, "10.0.0.5"), f);
  CHECK(d.verdict == Verdict::reachable);
  CHECK(d.path[1].label.starts_with("DNAT 172.17.0.2:3000"));
}

TEST_CASE("nothing-published: a container listens but publishes nothing") {
  Facts f = host_facts();
  Container& c = add_container(f, "day8", "172.17.0.2", {listener(Protocol::tcp, "0.0.0.0", 3000)});
  c.exposed.push_back({Protocol::tcp, 3000});
  const auto d = diagnose(host_query(8080), f);
  CHECK(d.verdict == Verdict::nothing_published);
  CHECK(d.summary.find("`day8`") != std::string::npos);
  CHECK(d.fix.find("-p 8080:3000") != std::string::npos);
  CHECK(d.path.front().state == HopState::failed);
}

TEST_CASE("nothing-published: published on another host port") {
  Facts f = host_facts();
  Container& c = add_container(f, "day8", "172.17.0.2", {listener(Protocol::tcp, "0.0.0.0", 3000)});
  publish(c, 8000, 3000);
  f.host.listeners.push_back(docker_proxy(8000, "172.17.0.2", 3000));
  const auto d = diagnose(host_query(8080), f);
  CHECK(d.verdict == Verdict::nothing_published);
  CHECK(d.summary.find("host port 8000, not 8080") != std::string::npos);
  CHECK(d.fix.find("localhost:8000") != std::string::npos);
  CHECK(d.fix.find("-p 8080:3000") != std::string::npos);
}

TEST_CASE("nothing-published ignores Docker's embedded DNS sockets") {
  Facts f = host_facts();
  add_container(f, "quiet", "172.17.0.2", {listener(Protocol::tcp, "127.0.0.11", 40000, "dockerd", 1)});
  const auto d = diagnose(host_query(8080), f);
  CHECK(d.verdict == Verdict::nothing_published);
  CHECK_FALSE(d.container);
}

TEST_CASE("engine intent without kernel rules is a disagreement") {
  Facts f = published({listener(Protocol::tcp, "0.0.0.0", 3000)});
  f.host.listeners.clear();
  const auto d = diagnose(host_query(8080), f);
  CHECK(d.verdict == Verdict::nothing_published);
  REQUIRE(d.disagreements.size() == 1);
  CHECK(d.disagreements.front().find("no DNAT rule") != std::string::npos);
}

TEST_CASE("from: reachable by name on a user-defined network") {
  Facts f = host_facts();
  add_user_network(f, "day8-net");
  add_container(f, "server", "172.18.0.2", {listener(Protocol::tcp, "0.0.0.0", 3000)}, "day8-net");
  add_container(f, "client", "172.18.0.3", {}, "day8-net");
  const auto d = diagnose(from_query("server", 3000, "client"), f);
  CHECK(d.verdict == Verdict::reachable);
  CHECK(d.path[1].label == "DNS server → 172.18.0.2");
}

TEST_CASE("from: no shared network, with the near-miss network name") {
  Facts f = host_facts();
  add_user_network(f, "day8-net");
  add_user_network(f, "day8-network");
  add_container(f, "server", "172.18.0.2", {listener(Protocol::tcp, "0.0.0.0", 3000)}, "day8-net");
  add_container(f, "client", "172.19.0.3", {}, "day8-network");
  const auto d = diagnose(from_query("server", 3000, "client"), f);
  CHECK(d.verdict == Verdict::no_shared_network);
  CHECK(d.summary.find("day8-net") != std::string::npos);
  CHECK(d.summary.find("day8-network") != std::string::npos);
  CHECK(d.summary.find("typo") != std::string::npos);
  CHECK(d.fix.find("docker network connect day8-net client") != std::string::npos);
}

TEST_CASE("from: the default bridge has no DNS by name") {
  Facts f = host_facts();
  add_container(f, "server", "172.17.0.2", {listener(Protocol::tcp, "0.0.0.0", 3000)});
  add_container(f, "client", "172.17.0.3");
  const auto d = diagnose(from_query("server", 3000, "client"), f);
  CHECK(d.verdict == Verdict::name_not_resolvable);
  CHECK(d.summary.find("default bridge") != std::string::npos);
}

TEST_CASE("from: an unknown name suggests a near one") {
  Facts f = host_facts();
  add_user_network(f, "net");
  add_container(f, "server", "172.18.0.2", {}, "net");
  add_container(f, "client", "172.18.0.3", {}, "net");
  const auto d = diagnose(from_query("sever", 3000, "client"), f);
  CHECK(d.verdict == Verdict::name_not_resolvable);
  CHECK(d.summary.find("Did you mean `server`?") != std::string::npos);
}

TEST_CASE("from: localhost is the client itself") {
  Facts f = host_facts();
  add_user_network(f, "net");
  add_container(f, "server", "172.18.0.2", {listener(Protocol::tcp, "0.0.0.0", 3000)}, "net");
  add_container(f, "client", "172.18.0.3", {}, "net");
  const auto d = diagnose(from_query("localhost", 3000, "client"), f);
  CHECK(d.verdict == Verdict::localhost_is_self);
  CHECK(d.fix.find("server:3000") != std::string::npos);
}

TEST_CASE("from: localhost works when the client itself listens") {
  Facts f = host_facts();
  add_container(f, "client", "172.17.0.3", {listener(Protocol::tcp, "127.0.0.1", 3000)});
  const auto d = diagnose(from_query("localhost", 3000, "client"), f);
  CHECK(d.verdict == Verdict::reachable);
}

TEST_CASE("from: the host-side port used between containers") {
  Facts f = host_facts();
  add_user_network(f, "net");
  Container& server =
      add_container(f, "server", "172.18.0.2", {listener(Protocol::tcp, "0.0.0.0", 3000)}, "net");
  publish(server, 8080, 3000);
  add_container(f, "client", "172.18.0.3", {}, "net");
  const auto d = diagnose(from_query("server", 8080, "client"), f);
  CHECK(d.verdict == Verdict::host_port_used_internally);
  CHECK(d.fix.find("server:3000") != std::string::npos);
}

TEST_CASE("from: loopback bind breaks container-to-container traffic too") {
  Facts f = host_facts();
  add_user_network(f, "net");
  add_container(f, "server", "172.18.0.2", {listener(Protocol::tcp, "127.0.0.1", 3000)}, "net");
  add_container(f, "client", "172.18.0.3", {}, "net");
  const auto d = diagnose(from_query("server", 3000, "client"), f);
  CHECK(d.verdict == Verdict::bound_to_loopback);
  CHECK(d.summary.find("other containers") != std::string::npos);
}

TEST_CASE("from: container-port-closed points at the real port") {
  Facts f = host_facts();
  add_user_network(f, "net");
  add_container(f, "server", "172.18.0.2", {listener(Protocol::tcp, "0.0.0.0", 3000)}, "net");
  add_container(f, "client", "172.18.0.3", {}, "net");
  const auto d = diagnose(from_query("server", 4000, "client"), f);
  CHECK(d.verdict == Verdict::container_port_closed);
  CHECK(d.fix.find("server:3000") != std::string::npos);
}

TEST_CASE("names with braces are data, never format strings") {
  Facts f = host_facts();
  Container& web = add_container(f, "we{}b{0}", "172.17.0.2", {listener(Protocol::tcp, "0.0.0.0", 3001)});
  publish(web, 8080, 3000);
  f.host.listeners.push_back(docker_proxy(8080, "172.17.0.2", 3000));
  const auto d = diagnose(host_query(8080), f);
  CHECK(d.verdict == Verdict::container_port_closed);
  CHECK(d.fix.find("`we{}b{0}` with -p 8080:3001") != std::string::npos);
}

TEST_SUITE_END();
