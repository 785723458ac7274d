// Containers of two engines on one host: podman's DNS is aardvark on the
// gateway, and a network of one engine is not another engine's network of
// the same name.

#include <doctest/doctest.h>

#include <algorithm>

#include "facts_builder.hpp"
#include "whyno/core/diagnose.hpp"
#include "whyno/core/engine_lookup.hpp"
#include "whyno/core/probe_plan.hpp"

using namespace whyno;
using namespace whyno::test;

namespace {

constexpr const char* k_docker = "/var/run/docker.sock";
constexpr const char* k_podman = "/run/podman/podman.sock";

Query from_query(const std::string& target, const std::string& client) {
  Query q;
  q.target = Target::parse(target);
  q.port = 3000;
  q.from = Client::parse(client);
  return q;
}

Facts two_engines() {
  Facts f = host_facts();
  f.engine->engines = {{"docker", "20.10.24+dfsg1", "1.41", k_docker, false, 0U, false},
                       {"podman", "4.3.1", "1.41", k_podman, false, 0U, false}};
  add_user_network(f, "appnet");
  f.engine->networks.back().engine = k_docker;
  return f;
}

}  // namespace

TEST_SUITE_BEGIN("core_engines");

TEST_CASE("a podman client asks aardvark-dns on its network's gateway") {
  Facts f = two_engines();
  add_container(f, "api", "10.89.0.2", {listener(Protocol::tcp, "0.0.0.0", 3000)}, "appnet");
  add_container(f, "cli", "10.89.0.3", {}, "appnet");
  Container& server = f.engine->containers[0];  // add_container may move the earlier ones
  Container& client = f.engine->containers[1];
  server.engine = k_podman;
  client.engine = k_podman;
  client.networks.front().gateway = ip("10.89.0.1");
  CHECK(is_podman(*f.engine, client));
  const ProbeDecision decision = plan_probe(from_query("api", "cli"), f);
  REQUIRE(decision.plan);
  CHECK(decision.plan->use_embedded_dns);
  REQUIRE(decision.plan->dns_server);
  CHECK(decision.plan->dns_server->to_string() == "10.89.0.1");

  client.engine = k_docker;  // the same, of Docker: 127.0.0.11
  server.engine = k_docker;
  const ProbeDecision docker = plan_probe(from_query("api", "cli"), f);
  CHECK(docker.plan->use_embedded_dns);
  CHECK_FALSE(docker.plan->dns_server);
}

TEST_CASE("a name on another engine's network of the same name does not resolve") {
  Facts f = two_engines();
  add_container(f, "api", "10.89.0.2", {listener(Protocol::tcp, "0.0.0.0", 3000)}, "appnet");
  add_container(f, "cli", "172.18.0.3", {}, "appnet");
  Container& server = f.engine->containers[0];
  Container& client = f.engine->containers[1];
  server.engine = k_podman;
  client.engine = k_docker;
  CHECK(shared_networks(client, server).empty());
  const Diagnosis d = diagnose(from_query("api", "cli"), f);
  CHECK(d.verdict != Verdict::reachable);

  server.engine = k_docker;
  CHECK_FALSE(shared_networks(client, server).empty());
  const Diagnosis same = diagnose(from_query("api", "cli"), f);
  CHECK(same.path.size() > 1);
  CHECK(std::any_of(same.path.begin(), same.path.end(),
                    [](const Hop& h) { return h.detail.find("Docker DNS on appnet") != std::string::npos; }));
}

TEST_CASE("a port of a rootless engine is forwarded by a process whyno-port does not follow") {
  Facts f = two_engines();
  f.engine->engines.back().rootless = true;
  f.engine->engines.back().uid = 1001U;
  f.engine->engines.back().endpoint = "/run/user/1001/podman/podman.sock";
  add_container(f, "rl", "10.0.2.100", {listener(Protocol::tcp, "0.0.0.0", 3000)});
  Container& c = f.engine->containers.back();
  c.engine = "/run/user/1001/podman/podman.sock";
  publish(c, 8080, 3000);
  Listener forwarder = listener(Protocol::tcp, "::", 8080, "rootlessport", 20815);
  f.host.listeners.push_back(forwarder);
  const Diagnosis d = diagnose(host_query(8080), f);
  CHECK(d.verdict == Verdict::inconclusive);
  REQUIRE_FALSE(d.path.empty());
  CHECK(d.path.front().state == HopState::unknown);
  CHECK(d.path.front().detail.find("podman 4.3.1 (rootless, uid 1001)") != std::string::npos);
  CHECK(d.fix.find("rootlessport") != std::string::npos);

  f.engine->engines.back().rootless = false;  // the same facts from a rootful engine: a verdict
  CHECK(diagnose(host_query(8080), f).verdict != Verdict::inconclusive);
}

TEST_SUITE_END();
