// Containers of two engines on one host: podman's DNS is aardvark on the
// gateway, and a network of one engine is not another engine's network of
// the same name.

#include <doctest/doctest.h>

#include <algorithm>

#include "facts_builder.hpp"
#include "whyno/core/paths/diagnose.hpp"
#include "whyno/core/plan/container_lookup.hpp"
#include "whyno/core/plan/probe_plan.hpp"

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

namespace {

constexpr const char* k_rootless_podman = "/run/user/1001/podman/podman.sock";
constexpr const char* k_rootless_docker = "/run/user/1001/docker.sock";

/// A rootless podman container as slirp4netns makes it: no address of the
/// engine's, tap0 with 10.0.2.100 in its namespace, rootlessport holding the
/// host port.
Facts rootless_podman(const char* app_address, std::uint16_t app_port) {
  Facts f = two_engines();
  f.engine->engines.back() = {"podman", "4.3.1", "1.41", k_rootless_podman, true, 1001U, false};
  add_container(f, "rl", "10.0.2.100", {listener(Protocol::tcp, app_address, app_port)});
  Container& c = f.engine->containers.back();
  c.engine = k_rootless_podman;
  c.network_mode = "slirp4netns";
  c.networks.clear();
  f.container_netns[c.id].interfaces.back().name = "tap0";
  publish(c, 8080, 3000);
  f.host.listeners.push_back(listener(Protocol::tcp, "::", 8080, "rootlessport", 20815));
  return f;
}

}  // namespace

TEST_CASE("podman's rootlessport is followed into the container's namespace") {
  const Facts f = rootless_podman("0.0.0.0", 3000);
  const Diagnosis d = diagnose(host_query(8080), f);
  CHECK(d.verdict == Verdict::reachable);
  REQUIRE(d.path.size() >= 3);
  CHECK(d.path[1].label == "rootlessport (uid 1001) → 10.0.2.100:3000 (container `rl`)");
  CHECK(d.path[2].label == "rl tap0");

  const Diagnosis loopback = diagnose(host_query(8080), rootless_podman("127.0.0.1", 3000));
  CHECK(loopback.verdict == Verdict::bound_to_loopback);
  CHECK(loopback.summary.find("rootlessport forwards traffic to the container's tap0 (10.0.2.100)") !=
        std::string::npos);

  const Diagnosis elsewhere = diagnose(host_query(8080), rootless_podman("0.0.0.0", 3001));
  CHECK(elsewhere.verdict == Verdict::container_port_closed);
  CHECK(elsewhere.fix.find("3001") != std::string::npos);
}

TEST_CASE("a rootless container whose namespace was not read is inconclusive, never a guess") {
  Facts f = rootless_podman("0.0.0.0", 3000);
  f.container_netns.clear();
  const Diagnosis d = diagnose(host_query(8080), f);
  CHECK(d.verdict == Verdict::inconclusive);
  REQUIRE_FALSE(d.path.empty());
  CHECK(d.path.front().state == HopState::unknown);
  CHECK(d.path.front().detail.find("podman 4.3.1 (rootless, uid 1001)") != std::string::npos);

  // No forwarder holds the port at all: it died; restart the container.
  f = rootless_podman("0.0.0.0", 3000);
  f.host.listeners.clear();
  const Diagnosis gone = diagnose(host_query(8080), f);
  CHECK(gone.verdict == Verdict::inconclusive);
  CHECK(gone.fix.find("does not hold port 8080") != std::string::npos);

  f = rootless_podman("0.0.0.0", 3000);
  f.engine->engines.back().rootless = false;  // the same facts from a rootful engine: a verdict
  f.host.listeners.clear();
  CHECK(diagnose(host_query(8080), f).verdict != Verdict::inconclusive);
}

namespace {

/// Rootless Docker: rootlesskit holds the host port; in its child's
/// namespace docker-proxy listens on 127.0.0.1 and forwards to the
/// container, as dockerd-rootless.sh sets it up. A rootful container with
/// the same address is on the host too.
Facts rootless_docker(const char* app_address) {
  Facts f = host_facts();
  f.engine->engines = {{"docker", "20.10.24+dfsg1", "1.41", k_docker, false, 0U, false},
                       {"docker", "20.10.24+dfsg1", "1.41", k_rootless_docker, true, 1001U, false}};
  add_container(f, "rootful", "172.17.0.2", {});
  f.engine->containers.back().engine = k_docker;
  f.engine->networks.front().engine = k_docker;
  Network inner_bridge = f.engine->networks.front();
  inner_bridge.engine = k_rootless_docker;
  f.engine->networks.push_back(inner_bridge);
  add_container(f, "dweb", "172.17.0.2", {listener(Protocol::tcp, app_address, 3000)});
  Container& c = f.engine->containers.back();
  c.engine = k_rootless_docker;
  publish(c, 8080, 3000);
  f.host.listeners.push_back(listener(Protocol::tcp, "0.0.0.0", 8080, "rootlesskit", 9302));
  ForwarderNamespace inside;
  inside.forwarder_pid = 9302;
  inside.child_pid = 9314;
  inside.uid = 1001U;
  inside.netns.inode = 77;
  inside.netns.interfaces.push_back({1, "lo", "", 0, true, 65536, {{ip("127.0.0.1"), 8}}});
  inside.netns.interfaces.push_back({2, "tap0", "tun", 0, true, 65520, {{ip("10.0.2.100"), 24}}});
  inside.netns.interfaces.push_back({3, "docker0", "bridge", 0, true, 1500, {{ip("172.17.0.1"), 16}}});
  inside.netns.routes.push_back({{ip("172.17.0.0"), 16}, 3, IpAddress(), false, 1, 254});
  inside.netns.listeners.push_back(docker_proxy(8080, "172.17.0.2", 3000, "127.0.0.1"));
  f.forwarder_namespaces.push_back(inside);
  return f;
}

}  // namespace

TEST_CASE("rootless Docker: rootlesskit is followed into its namespace, diagnosed as a Docker host") {
  const Diagnosis d = diagnose(host_query(8080), rootless_docker("0.0.0.0"));
  CHECK(d.verdict == Verdict::reachable);
  REQUIRE(d.path.size() >= 4);
  CHECK(d.path[0].label == "host :8080");
  CHECK(d.path[1].label == "rootlesskit (uid 1001) → 127.0.0.1:8080");
  CHECK(d.path[2].label == "rootless netns :8080");
  CHECK(d.path[3].label == "docker-proxy → 172.17.0.2:3000 (container `dweb`)");
  REQUIRE(d.container);
  CHECK(d.container->name == "dweb");  // not the rootful container of the same address
  CHECK(d.summary.find("through rootlesskit (uid 1001), reaches the app in container `dweb`") !=
        std::string::npos);

  const Diagnosis loopback = diagnose(host_query(8080), rootless_docker("127.0.0.1"));
  CHECK(loopback.verdict == Verdict::bound_to_loopback);
  REQUIRE(loopback.container);
  CHECK(loopback.container->name == "dweb");

  Facts unread = rootless_docker("0.0.0.0");
  unread.forwarder_namespaces.clear();  // rootlesskit's namespace could not be read
  CHECK(diagnose(host_query(8080), unread).verdict == Verdict::inconclusive);

  // Its rules unread (run by the owner): the hooks in there are unknown, and
  // named as that namespace's, not the host's.
  Facts blind = rootless_docker("0.0.0.0");
  blind.forwarder_namespaces.front().ruleset.unread.push_back({"netfilter rules", "setns: EPERM"});
  const Diagnosis owner = diagnose(host_query(8080), blind);
  CHECK(owner.verdict == Verdict::inconclusive);
  CHECK(std::any_of(owner.path.begin(), owner.path.end(), [](const Hop& h) {
    return h.label == "rootless netns OUTPUT" && h.state == HopState::unknown;
  }));
  CHECK(std::any_of(owner.unread.begin(), owner.unread.end(), [](const Unread& u) {
    return u.source == "netfilter rules in rootless Docker's namespace";
  }));
}

TEST_CASE("a rootless container on a port below ip_unprivileged_port_start: the sysctl, named") {
  Facts f = rootless_docker("0.0.0.0");
  f.forwarder_namespaces.clear();
  f.host.listeners.clear();
  Container& c = f.engine->containers.back();
  c.state.status = "created";
  c.state.running = false;
  c.state.pid = 0;
  c.state.error =
      "driver failed programming external connectivity on endpoint dweb: cannot expose "
      "privileged port 80, you can add 'net.ipv4.ip_unprivileged_port_start=80' to "
      "/etc/sysctl.conf (currently 1024)";
  c.intended = {{Protocol::tcp, 3000, "", 80}};
  c.actual.clear();
  f.sysctls.unprivileged_port_start = 1024;
  const Diagnosis d = diagnose(host_query(80), f);
  CHECK(d.verdict == Verdict::container_not_running);
  CHECK(d.summary.find("may not bind host port 80") != std::string::npos);
  CHECK(d.fix.find("-p 8080:3000") != std::string::npos);
  REQUIRE(d.fix_commands.size() == 3);
  CHECK(d.fix_commands[0] == "sysctl -w net.ipv4.ip_unprivileged_port_start=80");

  // Rootful, the same container is only not running.
  f.engine->engines.back().rootless = false;
  const Diagnosis rootful = diagnose(host_query(80), f);
  CHECK(rootful.summary.find("may not bind") == std::string::npos);
}

TEST_SUITE_END();
