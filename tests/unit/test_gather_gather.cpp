// gather() over fake readers: the containers a query names are checked,
// shared namespaces are read once, containers that changed under us are
// inspected and read again, and what stays unreadable lands in `unread`.

#include <doctest/doctest.h>

#include <filesystem>

#include <fmt/format.h>

#include "facts_builder.hpp"
#include "fake_sources.hpp"
#include "whyno/core/plan/query_check.hpp"
#include "fixtures.hpp"
#include "whyno/core/paths/diagnose.hpp"
#include "whyno/core/plan/container_lookup.hpp"
#include "whyno/core/plan/involved.hpp"
#include "gather/scoped_reads.hpp"
#include "whyno/gather/gather.hpp"
#include "whyno/snapshot/snapshot.hpp"

using namespace whyno;
using namespace whyno::test;
using gather::ReadFailure;

namespace {

/// An engine with web (pid 4000) running, its namespace inode 100.
struct Scene {
  Facts recorded = host_facts();
  std::unique_ptr<FakeHost> host;

  Scene() {
    Container& web = add_container(recorded, "web", "172.17.0.2", {listener(Protocol::tcp, "0.0.0.0", 3000)});
    publish(web, 8080, 3000);
    recorded.host.listeners.push_back(docker_proxy(8080, "172.17.0.2", 3000));
    host = std::make_unique<FakeHost>(*recorded.engine);
    host->namespaces.host = recorded.host;
    host->namespaces.add(web.state.pid, 100, recorded.container_netns.at(web.id));
  }

  Container& container(const std::string& name) {
    for (Container& c : recorded.engine->containers) {
      if (c.name == name) {
        return c;
      }
    }
    FAIL("no container " << name);
    throw 0;
  }

  std::expected<Facts, ReadFailure> gather(const Query& q = host_query(8080)) {
    return gather::gather(q, host->sources());
  }
};

bool has_unread(const Facts& f, const std::string& source, const std::string& reason_part) {
  return std::any_of(f.unread.begin(), f.unread.end(), [&](const Unread& u) {
    return u.source == source && u.reason.find(reason_part) != std::string::npos;
  });
}

Container restarted(Container c, int new_pid) {
  c.state.pid = new_pid;
  return c;
}

Container restarting(Container c) {
  c.state.status = "restarting";
  c.state.running = true;
  c.state.restarting = true;
  c.state.pid = 0;
  c.state.restart_count = 7;
  return c;
}

}  // namespace

TEST_SUITE_BEGIN("gather_gather");

TEST_CASE("a healthy host: the engine, the host and each container's namespace") {
  Scene s;
  const auto f = s.gather();
  REQUIRE(f.has_value());
  CHECK(f->engine->containers.size() == 1);
  CHECK(f->container_netns.size() == 1);
  CHECK(f->unread.empty());
  CHECK(f->collected_at == 1700000000);
  CHECK(s.host->engine.inspected.empty());
  CHECK(diagnose(host_query(8080), *f).verdict == Verdict::reachable);
}

TEST_CASE("named containers are checked against the engine") {
  Scene s;
  Query q = host_query(8080);
  q.container = "nosuch";
  auto f = s.gather(q);
  REQUIRE_FALSE(f.has_value());
  CHECK(f.error().kind == ReadFailure::Kind::usage);
  CHECK(f.error().message == "no container is named or has the id 'nosuch'");

  q = host_query(3000, "web");
  q.from = Client::parse("nosuch");
  f = s.gather(q);
  REQUIRE_FALSE(f.has_value());
  CHECK(f.error().kind == ReadFailure::Kind::usage);

  SUBCASE("a --from container that is not running cannot be inspected") {
    Scene stopped;
    Container& client = add_container(stopped.recorded, "client", "172.17.0.3");
    client.state.running = false;
    client.state.status = "exited";
    stopped.host = std::make_unique<FakeHost>(*stopped.recorded.engine);
    q.from = Client::parse("client");
    f = stopped.gather(q);
    REQUIRE_FALSE(f.has_value());
    CHECK(f.error().kind == ReadFailure::Kind::cannot_inspect);
    CHECK(f.error().message.find("the --from container 'client' exited") == 0);
  }
}

TEST_CASE("the engine cannot be reached: one sentence, cannot inspect") {
  Scene s;
  s.host->engine.fail_read("cannot reach the Docker engine: /var/run/docker.sock does not exist");
  const auto f = s.gather();
  REQUIRE_FALSE(f.has_value());
  CHECK(f.error().kind == ReadFailure::Kind::cannot_inspect);
  CHECK(f.error().message == "cannot reach the Docker engine: /var/run/docker.sock does not exist");
}

TEST_CASE("a namespace shared by several containers is read once, and both get it") {
  Scene s;
  Container& sidecar = add_container(s.recorded, "sidecar", "172.17.0.2");
  s.host = std::make_unique<FakeHost>(*s.recorded.engine);
  s.host->namespaces.add(s.container("web").state.pid, 100,
                         s.recorded.container_netns.at(s.container("web").id));
  s.host->namespaces.pid_netns[sidecar.state.pid] = 100;  // a pod: one namespace
  const auto f = s.gather(host_query(0));                 // --all: every container
  REQUIRE(f.has_value());
  CHECK(s.host->namespaces.reads() == std::vector<std::uint64_t>{100});
  CHECK(f->container_netns.size() == 2);
  CHECK(f->container_netns.at(sidecar.id).listeners.size() == 1);
}

TEST_CASE("a question about one port reads the namespaces on its path only") {
  Scene s;
  for (int i = 0; i < 20; ++i) {
    const std::string address = fmt::format("172.17.1.{}", i + 1);
    Container& other = add_container(s.recorded, fmt::format("other{}", i), address.c_str());
    publish(other, static_cast<std::uint16_t>(20000 + i), 80);
  }
  s.host = std::make_unique<FakeHost>(*s.recorded.engine);
  s.host->namespaces.host = s.recorded.host;
  std::uint64_t inode = 500;
  for (const Container& c : s.recorded.engine->containers) {
    s.host->namespaces.add(c.state.pid, inode++, s.recorded.container_netns.at(c.id));
  }
  const Container& web = s.container("web");
  auto f = s.gather();  // 8080: web publishes it
  REQUIRE(f.has_value());
  CHECK(f->container_netns.size() == 1);
  CHECK(f->container_netns.contains(web.id));
  const Diagnosis d = diagnose(host_query(8080), *f);
  INFO(d.summary);
  CHECK(d.verdict == Verdict::reachable);
  // Nothing publishes 9999: every namespace, for "the container you meant".
  f = s.gather(host_query(9999));
  REQUIRE(f.has_value());
  CHECK(f->container_netns.size() == 21);
  // --all reads them all too.
  f = s.gather(host_query(0));
  REQUIRE(f.has_value());
  CHECK(f->container_netns.size() == 21);
}

TEST_CASE("a DNAT to an address no container holds leads to root's namespace holding it, not a user's") {
  Scene s;
  add_docker_rules(s.recorded, "198.18.101.2", 3000, 9000);  // a DNAT written by hand, say
  s.host->ruleset = s.recorded.ruleset;
  NetnsFacts pod;
  pod.interfaces.push_back({1, "lo", "", 0, true, 65536, {{ip("127.0.0.1"), 8}}});
  pod.interfaces.push_back({2, "eth0", "veth", 0, true, 1500, {{ip("198.18.101.2"), 24}}});
  pod.listeners.push_back(listener(Protocol::tcp, "0.0.0.0", 3000));
  // A user's own namespace claims the address first in the census: not believed.
  s.host->namespaces.paths["/proc/4242/ns/net"] = 900;
  s.host->namespaces.namespaces[900] = pod;
  s.host->namespaces.namespaces[900].inode = 900;
  s.host->namespaces.census.push_back({"/proc/4242/ns/net", 900, 4242, 1000, "process 4242 (unshare)", {}});
  auto f = s.gather(host_query(9000));
  REQUIRE(f.has_value());
  CHECK(std::none_of(f->engine->containers.begin(), f->engine->containers.end(),
                     [](const Container& c) { return c.kind == Container::Kind::namespace_only; }));
  // Root's pod holds it too: that one is where the packet goes.
  s.host->namespaces.paths["/proc/77/ns/net"] = 901;
  s.host->namespaces.namespaces[901] = pod;
  s.host->namespaces.namespaces[901].inode = 901;
  s.host->namespaces.census.push_back({"/proc/77/ns/net", 901, 77, 0, "pod 5f1c (Kubernetes)", {}});
  f = s.gather(host_query(9000));
  REQUIRE(f.has_value());
  const auto found =
      std::find_if(f->engine->containers.begin(), f->engine->containers.end(),
                   [](const Container& c) { return c.kind == Container::Kind::namespace_only; });
  REQUIRE(found != f->engine->containers.end());
  CHECK(found->name == "pod 5f1c (Kubernetes)");
  CHECK(found->id == "netns-901");
  CHECK(f->container_netns.contains("netns-901"));
}

TEST_CASE("a pod's namespace is named from containerd's labels, with its app containers and their tasks") {
  Scene s;
  add_docker_rules(s.recorded, "198.18.101.2", 3000, 9000);
  s.host->ruleset = s.recorded.ruleset;
  NetnsFacts pod;
  pod.interfaces.push_back({2, "eth0", "veth", 0, true, 1500, {{ip("198.18.101.2"), 24}}});
  s.host->namespaces.paths["/run/netns/cni-1"] = 901;
  s.host->namespaces.namespaces[901] = pod;
  s.host->namespaces.namespaces[901].inode = 901;
  const std::string sandbox(64, 'a');
  s.host->namespaces.census.push_back({"/run/netns/cni-1", 901, 0, 0, "cni-1", sandbox});
  const std::string uid = "5f1c8e2a-3b4d-4c6e-8f0a-1b2c3d4e5f60";
  s.host->containerd_pods = {{"k8s.io", sandbox, "shop", "web-1", uid, "", true, true},
                             {"k8s.io", std::string(64, 'b'), "shop", "web-1", uid, "web", false, false},
                             {"k8s.io", std::string(64, 'c'), "shop", "other", "9f", "db", false, true}};
  auto f = s.gather(host_query(9000));
  REQUIRE(f.has_value());
  const auto found =
      std::find_if(f->engine->containers.begin(), f->engine->containers.end(),
                   [](const Container& c) { return c.kind == Container::Kind::namespace_only; });
  REQUIRE(found != f->engine->containers.end());
  CHECK(found->name == "shop/web-1");
  CHECK(found->pod.uid == uid);
  REQUIRE(found->pod.containers.size() == 1);  // the sandbox and another pod's are not its app containers
  CHECK(found->pod.containers[0].name == "web");
  CHECK_FALSE(found->pod.containers[0].running);
  CHECK(s.host->containerd_reads == 1);
  // A namespace of no containerd container never reads the metadata.
  s.host->containerd_reads = 0;
  s.host->namespaces.census.back().containerd_id.clear();
  f = s.gather(host_query(9000));
  REQUIRE(f.has_value());
  CHECK(s.host->containerd_reads == 0);
}

TEST_CASE(
    "--from NAMESPACE/POD is the pod's address, found by containerd's labels; else Compose's "
    "PROJECT/SERVICE") {
  Scene s;
  NetnsFacts pod;
  pod.interfaces.push_back({1, "lo", "", 0, true, 65536, {{ip("127.0.0.1"), 8}}});
  pod.interfaces.push_back({2, "eth0", "veth", 0, true, 1500, {{ip("10.180.0.3"), 24}}});
  s.host->namespaces.paths["/run/netns/cni-3"] = 903;
  s.host->namespaces.namespaces[903] = pod;
  s.host->namespaces.namespaces[903].inode = 903;
  const std::string sandbox(64, 'd');
  s.host->namespaces.census.push_back({"/run/netns/cni-3", 903, 0, 0, "cni-3", sandbox});
  s.host->containerd_pods = {{"k8s.io", sandbox, "ns3", "pod3", "u3", "", true, true}};
  auto sources = s.host->sources();
  Query q = host_query(80);
  q.from = Client::parse("ns3/pod3");
  REQUIRE(gather::resolve_pod_client(q, sources));
  REQUIRE(q.from_remote());
  CHECK(q.from->ip == ip("10.180.0.3"));
  CHECK(q.from->text == "ns3/pod3");
  // No such pod here: left for the container lookup (Compose's PROJECT/SERVICE).
  Query compose = host_query(80);
  compose.from = Client::parse("shop/web");
  REQUIRE(gather::resolve_pod_client(compose, sources));
  CHECK(compose.from_container());
  // A user's namespace labelled so is not believed.
  s.host->namespaces.census.back().uid = 1000;
  Query users = host_query(80);
  users.from = Client::parse("ns3/pod3");
  REQUIRE(gather::resolve_pod_client(users, sources));
  CHECK(users.from_container());
}

TEST_CASE("a namespace that cannot be opened is unread, with the reason") {
  Scene s;
  s.host->namespaces.forbidden.insert(s.container("web").state.pid);
  const auto f = s.gather();
  REQUIRE(f.has_value());
  CHECK(f->container_netns.empty());
  CHECK(has_unread(*f, "network namespace of container `web`", "Permission denied"));
  CHECK(diagnose(host_query(8080), *f).verdict == Verdict::inconclusive);
}

TEST_CASE("a container whose PID is gone is inspected again and read with its new PID") {
  Scene s;
  Container& web = s.container("web");
  const NetnsFacts ns = s.host->namespaces.namespaces.at(100);
  s.host->namespaces.pid_netns.clear();  // pid 4000 exited: it restarted
  s.host->namespaces.add(4999, 101, ns);
  s.host->engine.answer_inspect(web.id, restarted(web, 4999));
  const auto f = s.gather();
  REQUIRE(f.has_value());
  CHECK(s.host->engine.inspected == std::vector<std::string>{web.id});
  CHECK(f->engine->containers.front().state.pid == 4999);
  CHECK(f->container_netns.at(web.id).inode == 101);
  CHECK(f->unread.empty());
}

TEST_CASE("a restart loop caught mid-restart is container-not-running") {
  Scene s;
  Container& web = s.container("web");
  s.host->namespaces.pid_netns.clear();
  s.host->engine.answer_inspect(web.id, restarting(web));
  const auto f = s.gather();
  REQUIRE(f.has_value());
  CHECK(f->container_netns.empty());
  CHECK(f->unread.empty());
  const auto d = diagnose(host_query(8080), *f);
  CHECK(d.verdict == Verdict::container_not_running);
}

TEST_CASE("a process that exits while its namespace is read makes the read stale") {
  Scene s;
  Container& web = s.container("web");
  s.host->namespaces.exits_while_read.insert(web.state.pid);
  s.host->engine.answer_inspect(web.id, restarting(web));
  const auto f = s.gather();
  REQUIRE(f.has_value());
  CHECK(s.host->engine.inspected.size() == 1);
  CHECK(f->container_netns.empty());  // the stale read is not kept
  CHECK(f->engine->containers.front().state.restarting);
}

TEST_CASE("a container that keeps changing is read at most k_max_rereads more times, then unread") {
  Scene s;
  Container& web = s.container("web");
  s.host->namespaces.pid_netns.clear();
  for (int i = 1; i <= gather::k_max_rereads + 1; ++i) {
    s.host->engine.answer_inspect(web.id, restarted(web, 5000 + i));  // each PID gone at once
  }
  const auto f = s.gather();
  REQUIRE(f.has_value());
  CHECK(s.host->engine.inspected.size() == static_cast<std::size_t>(gather::k_max_rereads));
  CHECK(has_unread(*f, "network namespace of container `web`", "kept changing"));
  CHECK(diagnose(host_query(8080), *f).verdict == Verdict::inconclusive);
}

TEST_CASE("a container removed while it was read is dropped from the engine's list") {
  Scene s;
  Container& web = s.container("web");
  s.host->namespaces.pid_netns.clear();
  s.host->engine.answer_inspect(web.id, std::nullopt);
  const auto f = s.gather();
  REQUIRE(f.has_value());
  CHECK(f->engine->containers.empty());
  CHECK(f->unread.empty());
  CHECK(diagnose(host_query(8080), *f).verdict != Verdict::reachable);
}

TEST_CASE(
    "a host socket on the port nobody holds is read again: gone, it is dropped; still there, it stays") {
  Scene s;
  Listener orphan = listener(Protocol::tcp, "0.0.0.0", 8080);
  orphan.owners.clear();  // no process holds it
  orphan.inode = 777;
  s.host->namespaces.host.listeners.push_back(orphan);
  NetnsFacts later = s.host->namespaces.host;
  later.listeners.pop_back();  // its holder exited after the dump
  s.host->namespaces.host_later = later;
  auto f = s.gather();
  REQUIRE(f.has_value());
  CHECK(std::none_of(f->host.listeners.begin(), f->host.listeners.end(),
                     [](const Listener& l) { return l.inode == 777; }));

  Scene kept;
  kept.host->namespaces.host.listeners.push_back(orphan);
  f = kept.gather();
  REQUIRE(f.has_value());
  CHECK(std::any_of(f->host.listeners.begin(), f->host.listeners.end(),
                    [](const Listener& l) { return l.inode == 777 && l.owners.empty(); }));
  const int reads = kept.host->namespaces.host_reads;

  // One on another port is no question's: not looked for, not read again.
  Scene other;
  orphan.port = 9090;
  other.host->namespaces.host.listeners.push_back(orphan);
  f = other.gather();
  REQUIRE(f.has_value());
  CHECK(other.host->namespaces.host_reads == reads - 1);
}

TEST_CASE("socket holders are looked for where the question needs them, cheapest first") {
  Scene s;
  Listener proxy = docker_proxy(8080, "172.17.0.2", 3000);
  proxy.inode = 501;
  Listener ssh = listener(Protocol::tcp, "0.0.0.0", 22, "sshd", 60);
  ssh.inode = 502;
  s.host->namespaces.host.listeners = {proxy, ssh};
  NetnsFacts& web = s.host->namespaces.namespaces.at(100);
  web.listeners.front().inode = 601;
  // On the container's port (only the query's ports are read): UDP.
  Listener dns = listener(Protocol::udp, "127.0.0.11", 3000, "dockerd", 20);
  dns.inode = 602;
  web.listeners.push_back(dns);
  auto f = s.gather();
  REQUIRE(f.has_value());

  const auto& searches = s.host->namespaces.searches;
  REQUIRE(searches.size() == 2);
  // The host's, on the query's port: docker-proxy for 8080, not sshd.
  CHECK(searches[0].needed == std::unordered_set<std::uint64_t>{501});
  CHECK(searches[0].forwarded_ports == std::set<std::uint16_t>{8080});
  CHECK(searches[0].first.empty());
  // The container's, in its own processes first; the embedded DNS only if
  // one of them holds it.
  CHECK(searches[1].needed == std::unordered_set<std::uint64_t>{601});
  CHECK(searches[1].if_held_by_first == std::unordered_set<std::uint64_t>{602});
  CHECK(searches[1].first == std::vector<int>{s.container("web").state.pid});

  const Listener* proxy_read = nullptr;
  const Listener* ssh_read = nullptr;
  for (const Listener& l : f->host.listeners) {
    (l.port == 8080 ? proxy_read : ssh_read) = &l;
  }
  REQUIRE(proxy_read != nullptr);
  CHECK(proxy_read->owners.front().comm == "docker-proxy");
  CHECK(ssh_read == nullptr);  // no question's: the kernel left it out
  CHECK(f->host.listeners_only_on == std::vector<std::uint16_t>{8080});
  CHECK(f->container_netns.at(s.container("web").id).listeners.front().owners.front().comm == "server");

  // --all: every host socket.
  Scene all;
  all.host->namespaces.host.listeners = {proxy, ssh};
  Query every = host_query(0);
  REQUIRE(all.gather(every).has_value());
  CHECK(all.host->namespaces.searches.front().needed == std::unordered_set<std::uint64_t>{501, 502});
  CHECK(all.host->namespaces.searches.front().forwarded_ports.empty());
}

TEST_CASE("a container on the host's network: its own sockets among the host's, in its processes") {
  Scene s;
  Container& app = add_container(s.recorded, "hostapp", "10.9.9.9", {});
  app.network_mode = "host";
  app.networks.clear();
  s.recorded.container_netns.erase(app.id);
  publish(app, 8080, 9000);  // ignored, but where its app is likely to listen
  Listener own = listener(Protocol::tcp, "0.0.0.0", 9000, "server", app.state.pid);
  own.inode = 701;
  own.owners.front().container_id = app.id;
  const Container& web = s.container("web");
  s.host = std::make_unique<FakeHost>(*s.recorded.engine);
  s.host->namespaces.host = s.recorded.host;
  s.host->namespaces.host.listeners.push_back(own);
  s.host->namespaces.add(web.state.pid, 100, s.recorded.container_netns.at(web.id));
  const auto f = s.gather();
  REQUIRE(f.has_value());
  // The host is read for 8080 first, then again for its app's port 9000;
  // the holders on 8080 are searched for once, near the pid of web (which
  // publishes it), then the containers'.
  const auto& searches = s.host->namespaces.searches;
  REQUIRE(searches.size() == 2);
  CHECK(s.host->namespaces.scopes.front().ports == std::vector<std::uint16_t>{8080});
  CHECK(s.host->namespaces.scopes[1].ports == std::vector<std::uint16_t>{8080, 9000});
  CHECK(searches[0].forwarded_ports == std::set<std::uint16_t>{8080});
  CHECK(std::find(searches[0].near_pids.begin(), searches[0].near_pids.end(), web.state.pid) !=
        searches[0].near_pids.end());
  CHECK(searches[1].if_held_by_first.contains(701));
  CHECK_FALSE(searches[1].needed.contains(701));
  CHECK(std::find(searches[1].first.begin(), searches[1].first.end(), app.state.pid) !=
        searches[1].first.end());
  CHECK(std::any_of(f->host.listeners.begin(), f->host.listeners.end(),
                    [](const Listener& l) { return l.inode == 701 && !l.owners.empty(); }));
}

TEST_CASE("rules that cannot be read are unread on the ruleset; names are resolved") {
  Scene s;
  s.host->rules_error = "cannot open netlink socket: Operation not permitted";
  const auto f = s.gather(host_query(8080, "example.test"));
  REQUIRE(f.has_value());
  REQUIRE(f->ruleset.unread.size() == 1);
  CHECK(f->ruleset.unread.front().source == "netfilter rules");
  CHECK(s.host->resolved == std::vector<std::string>{"example.test"});
  s.gather(host_query(8080, "127.0.0.1"));
  CHECK(s.host->resolved.size() == 1);  // literals are not names
}

TEST_CASE("Compose service names for --from and --container; replicas are ambiguous; typos get suggestions") {
  Scene s;
  Container& api = add_container(s.recorded, "shop_api_1", "172.17.0.3");
  api.compose_project = "shop";
  api.compose_service = "api";
  for (const char* name : {"shop_worker_1", "shop_worker_2"}) {
    Container& worker = add_container(s.recorded, name, "172.17.0.9");
    worker.compose_project = "shop";
    worker.compose_service = "worker";
  }
  s.host = std::make_unique<FakeHost>(*s.recorded.engine);
  Query q = host_query(3000, "web");
  q.from = Client::parse("api");
  CHECK_FALSE(check_query(q, *s.recorded.engine).has_value());
  q.from = Client::parse("shop/api");
  CHECK_FALSE(check_query(q, *s.recorded.engine).has_value());
  q.from = Client::parse("worker");
  auto problem = check_query(q, *s.recorded.engine);
  REQUIRE(problem);
  CHECK(problem->kind == QueryProblem::Kind::usage);
  CHECK(problem->message ==
        "--from 'worker' is the Compose service of 2 containers: shop_worker_1 (shop/worker) and "
        "shop_worker_2 (shop/worker); name one (or PROJECT/SERVICE)");
  q.from = Client::parse("wrker");
  problem = check_query(q, *s.recorded.engine);
  REQUIRE(problem);
  CHECK(problem->message == "no container is named or has the id 'wrker'; did you mean worker?");
  q.from.reset();
  q.container = "shop_api_2";
  problem = check_query(q, *s.recorded.engine);
  REQUIRE(problem);
  CHECK(problem->message.find("did you mean shop_api_1") != std::string::npos);
}

TEST_CASE("--netns: no engine is asked; the namespace stands for a container") {
  Scene s;
  s.host->engine.fail_read("an engine must not be asked");
  NetnsFacts app;
  app.interfaces.push_back({1, "lo", "", 0, true, 65536, {{ip("127.0.0.1"), 8}}});
  app.interfaces.push_back(
      {2, "eth0", "veth", 0, true, 1500, {{ip("198.18.100.2"), 24}, {ip("fe80::1"), 64}}});
  app.listeners.push_back(listener(Protocol::tcp, "127.0.0.1", 3001));
  s.host->namespaces.add(0, 500, app);
  s.host->namespaces.paths["/run/netns/app"] = 500;
  Query q = host_query(3001);
  q.netns = NamespaceChoice{"/run/netns/app", 0, "/run/netns/app"};
  q.target.kind = Target::Kind::netns;
  q.target.text = "/run/netns/app";
  const auto f = s.gather(q);
  REQUIRE(f.has_value());
  REQUIRE(f->engine->containers.size() == 1);
  const Container& c = f->engine->containers.front();
  CHECK(c.kind == Container::Kind::namespace_only);
  REQUIRE(c.networks.size() == 1);
  CHECK(c.networks.front().ipv4 == ip("198.18.100.2"));
  CHECK_FALSE(c.networks.front().ipv6);  // link-local is not an address to dial
  const auto d = diagnose(q, *f);
  CHECK(d.verdict == Verdict::bound_to_loopback);
  CHECK(d.summary.find("namespace `/run/netns/app`") != std::string::npos);

  q.netns->path = "/run/netns/nosuch";
  const auto missing = s.gather(q);
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().kind == ReadFailure::Kind::usage);
}

TEST_CASE("behind a rootlesskit that holds the port, rootless Docker's namespace is read like a host") {
  Scene s;
  Listener kit = listener(Protocol::tcp, "0.0.0.0", 18090, "rootlesskit", 9302);
  s.host->namespaces.host.listeners.push_back(kit);
  s.host->namespaces.forwarder_children[9302] = {9314, 1001U};
  s.host->namespaces.process_users[9314] = 1001U;
  NetnsFacts inside;
  inside.listeners.push_back(docker_proxy(18090, "172.17.0.2", 3000, "127.0.0.1"));
  s.host->namespaces.add(9314, 500, inside);
  Sysctls sysctls;
  sysctls.ipv4_forward = true;
  s.host->namespaces.namespace_sysctls[500] = sysctls;
  s.host->namespace_rules[500] = nf::Ruleset{};

  auto f = s.gather(host_query(18090));
  REQUIRE(f.has_value());
  REQUIRE(f->forwarder_namespaces.size() == 1);
  const ForwarderNamespace& ns = f->forwarder_namespaces.front();
  CHECK(ns.forwarder_pid == 9302);
  CHECK(ns.child_pid == 9314);
  CHECK(ns.uid == 1001U);
  CHECK(ns.netns.inode == 500);
  CHECK(ns.netns.listeners.size() == 1);
  CHECK(ns.sysctls.ipv4_forward == true);
  CHECK(ns.ruleset.unread.empty());

  // Another port's question does not read it; rules that cannot be read
  // are unread on its ruleset; a rootlesskit with no such child is unread.
  CHECK(s.gather(host_query(8080))->forwarder_namespaces.empty());
  s.host->namespace_rules.clear();
  CHECK_FALSE(s.gather(host_query(18090))->forwarder_namespaces.front().ruleset.unread.empty());
  s.host->namespaces.forwarder_children.clear();
  f = s.gather(host_query(18090));
  CHECK(f->forwarder_namespaces.empty());
  CHECK(has_unread(*f, "rootless Docker's namespace (behind rootlesskit, pid 9302)", "no child"));
}

TEST_CASE("one name in two engines is ambiguous: both are named, with their engines, and the id picks one") {
  Facts recorded = host_facts();
  recorded.engine->engines = {
      {"docker", "20.10.24+dfsg1", "1.41", "/var/run/docker.sock", false, 0U, false},
      {"podman", "4.3.1", "1.41", "/run/user/1001/podman/podman.sock", true, 1001U, false}};
  Container& docker_web = add_container(recorded, "web", "172.17.0.2");
  docker_web.engine = "/var/run/docker.sock";
  Container& podman_web = add_container(recorded, "web", "10.88.0.2");
  podman_web.id = std::string(64, 'b');
  podman_web.engine = "/run/user/1001/podman/podman.sock";
  FakeHost host(*recorded.engine);
  Query q = host_query(8080);
  q.container = "web";
  const auto f = gather::gather(q, host.sources());
  REQUIRE_FALSE(f.has_value());
  CHECK(f.error().kind == ReadFailure::Kind::usage);
  CHECK(f.error().message ==
        "--container 'web' names 2 containers of different engines: webaaaaaaaaa of docker "
        "20.10.24+dfsg1 and bbbbbbbbbbbb of podman 4.3.1 (rootless, uid 1001); give the id of the one you "
        "mean");
  q.container = std::string(12, 'b');
  CHECK(gather::gather(q, host.sources()).has_value());
}

TEST_CASE("gather over fakes built from each recording gives back its facts") {
  int listed_only = 0;  // containers of the recordings that were not inspected
  int narrowed = 0;     // recordings read from a narrowed list
  for (const auto& entry : std::filesystem::directory_iterator(test::fixture_path("snapshots"))) {
    if (entry.path().extension() != ".json") {
      continue;
    }
    const std::string name = entry.path().filename().string();
    INFO("snapshot: " << name);
    auto snap = snapshot::load(test::fixture_text("snapshots/" + name));
    REQUIRE(snap.has_value());
    const Facts& recorded = snap->facts;
    // Namespaces no engine reported, which the packet found: the engine
    // lists none of them, the host's census has them.
    Engine engines_only = *recorded.engine;
    std::vector<kernel::NamespaceCandidate> census;
    // A pod named from containerd's labels: its sandbox is the census's
    // containerd container, its app containers are in the metadata.
    std::vector<engine::ContainerdContainer> containerd_pods;
    for (const Container& c : recorded.engine->containers) {
      if (c.kind != Container::Kind::namespace_only) {
        continue;
      }
      std::string sandbox;
      if (c.pod.known()) {
        sandbox = "sandbox-of-" + c.id;
        containerd_pods.push_back(
            {"k8s.io", sandbox, c.pod.namespace_name, c.pod.name, c.pod.uid, "", true, true});
        for (const PodContainer& p : c.pod.containers) {
          containerd_pods.push_back(
              {"k8s.io", p.id, c.pod.namespace_name, c.pod.name, c.pod.uid, p.name, false, p.running});
        }
      }
      const std::uint64_t inode = recorded.container_netns.at(c.id).inode;
      if (snap->query.netns) {
        // --netns names it; the census only says whose pod it is.
        if (c.pod.known()) {
          census.push_back({snap->query.netns->path, inode, 0, 0, c.name, sandbox});
        }
        continue;
      }
      // The client's namespace, when it is also one the packet reached, by its recorded path.
      const bool is_client = recorded.client_netns && recorded.client_netns->inode == inode;
      census.push_back({is_client ? recorded.client_netns->path : "/run/netns/" + c.name, inode, c.state.pid,
                        c.engine_uid, is_client ? recorded.client_netns->label : c.name, sandbox});
    }
    if (!snap->query.netns) {
      std::erase_if(engines_only.containers,
                    [](const Container& c) { return c.kind == Container::Kind::namespace_only; });
    }
    FakeHost host(engines_only);
    host.containerd_pods = containerd_pods;
    for (const kernel::NamespaceCandidate& c : census) {
      host.namespaces.paths[c.path] = c.inode;
      host.namespaces.namespaces[c.inode] = recorded.container_netns.at("netns-" + std::to_string(c.inode));
      host.namespaces.namespaces[c.inode].inode = c.inode;
    }
    if (recorded.client_netns && snap->query.from && snap->query.from->ip) {
      // The namespace that held --from's address: the probe was sent from it.
      const ClientNamespace& client = *recorded.client_netns;
      const bool listed = std::any_of(census.begin(), census.end(), [&](const kernel::NamespaceCandidate& c) {
        return c.inode == client.inode;
      });
      if (!listed) {
        census.push_back({client.path, client.inode, 0, 0, client.label, {}});
        NetnsFacts holder;
        holder.inode = client.inode;
        holder.interfaces.push_back({2, "eth0", "veth", 0, true, 1500, {{*snap->query.from->ip, 24}}});
        host.namespaces.paths[client.path] = client.inode;
        host.namespaces.namespaces[client.inode] = holder;
      }
    }
    host.namespaces.census = census;
    host.namespaces.host = recorded.host;
    host.namespaces.sysctls = recorded.sysctls;
    host.cni = recorded.cni;
    host.ruleset = recorded.ruleset;
    for (const Container& c : recorded.engine->containers) {
      if (const auto it = recorded.container_netns.find(c.id); it != recorded.container_netns.end()) {
        host.namespaces.add(c.state.pid, it->second.inode, it->second);
      }
    }
    if (snap->query.netns) {
      // --netns PATH: the namespace recorded for the path the user gave.
      for (const auto& [id, ns] : recorded.container_netns) {
        if (id == "netns-" + std::to_string(ns.inode)) {
          host.namespaces.paths[snap->query.netns->path] = ns.inode;
          host.namespaces.namespaces[ns.inode] = ns;
        }
      }
    }
    for (const ForwarderNamespace& ns : recorded.forwarder_namespaces) {
      host.namespaces.forwarder_children[ns.forwarder_pid] = {ns.child_pid, ns.uid};
      host.namespaces.add(ns.child_pid, ns.netns.inode, ns.netns);
      host.namespaces.namespace_sysctls[ns.netns.inode] = ns.sysctls;
      host.namespace_rules[ns.netns.inode] = ns.ruleset;
    }
    if (recorded.client_hosts) {
      // The client's hosts file, as far as it was read: the name's lines.
      std::string text;
      for (const IpAddress& a : recorded.client_hosts->addresses) {
        text += a.to_string() + "\t" + snap->query.target.text + "\n";
      }
      host.owned_files[recorded.client_hosts->path] = text;
    }
    // As the recording was read: the client's namespace is looked for only
    // when a probe follows.
    gather::ReadPlan plan;
    plan.probe = !snap->probe || snap->probe->detail != "not probed (--no-probe)";
    auto gathered = gather::gather(snap->query, host.sources(), plan);
    INFO("gather: " << (gathered ? std::string() : gathered.error().message));
    REQUIRE(gathered.has_value());
    gathered->resolved_addresses = recorded.resolved_addresses;
    gathered->collected_at = recorded.collected_at;
    gathered->unread = recorded.unread;
    // Only the namespaces on the query's path are read: the diagnosis over
    // them is the diagnosis over everything.
    const Diagnosis full = diagnose(snap->query, recorded, snap->probe);
    const Diagnosis narrow = diagnose(snap->query, *gathered, snap->probe);
    CHECK(code(narrow.verdict) == code(full.verdict));
    CHECK(narrow.summary == full.summary);
    CHECK(narrow.fix == full.fix);
    CHECK(narrow.evidence == full.evidence);
    // Only the containers on the path are inspected; the others are as the
    // engine's list shows them.
    Engine listed = *recorded.engine;
    for (Container& c : listed.containers) {
      c = test::listed_summary(c);
    }
    const auto chosen = containers_to_inspect(snap->query, listed, recorded.ruleset);
    snapshot::Snapshot expected = *snap;
    for (std::size_t i = 0; i < listed.containers.size(); ++i) {
      if (chosen && !chosen->contains(listed.containers[i].id)) {
        expected.facts.engine->containers[i] = listed.containers[i];
      }
    }
    const auto wanted = containers_involved(snap->query, *expected.facts.engine, recorded.ruleset);
    listed_only += static_cast<int>(std::count_if(gathered->engine->containers.begin(),
                                                  gathered->engine->containers.end(),
                                                  [](const Container& c) { return !c.inspected; }));
    for (std::size_t i = 0; i < listed.containers.size(); ++i) {
      if (!wanted || wanted->contains(listed.containers[i].id)) {
        expected.facts.engine->containers[i] = recorded.engine->containers[i];
      }
    }
    if (wanted) {
      std::erase_if(expected.facts.container_netns,
                    [&](const auto& read) { return !wanted->contains(read.first); });
    }
    // The holders of the host's sockets are named for the query's port
    // alone, unless a container on the host's network is involved (its own
    // are among them).
    const bool host_network =
        std::any_of(expected.facts.engine->containers.begin(), expected.facts.engine->containers.end(),
                    [&](const Container& c) {
                      return shares_host_network(c) && c.state.running && (!wanted || wanted->contains(c.id));
                    });
    for (Listener& l : expected.facts.host.listeners) {
      if (!host_network && l.inode != 0 && snap->query.port != 0 && l.port != snap->query.port) {
        l.owners.clear();
      }
    }
    if (gathered->engine->narrowed) {
      // A narrowed list (what publishes the port, what is not running):
      // the others were never listed, and the diagnosis is the same.
      // A container holding a socket read (a sidecar) was inspected after.
      narrowed += 1;
      std::vector<Container> in_order;
      for (const Container& g : gathered->engine->containers) {
        const auto& all = expected.facts.engine->containers;
        const auto it =
            std::find_if(all.begin(), all.end(), [&](const Container& c) { return c.id == g.id; });
        REQUIRE(it != all.end());
        in_order.push_back(*it);
      }
      expected.facts.engine->containers = std::move(in_order);
    }
    snapshot::Snapshot again;
    again.query = snap->query;
    again.facts = std::move(*gathered);
    again.probe = expected.probe;
    // The kernel was asked for the sockets on the query's ports alone
    // (ListenerScope::only) where something there takes the traffic: the
    // recording's, so filtered, are what came back; none is left out.
    const auto as_read = [](NetnsFacts& recording, const NetnsFacts& read) {
      CHECK(read.listeners_left_out == 0);
      recording.listeners_only_on = read.listeners_only_on;
      if (!read.listeners_only_on.empty()) {
        std::erase_if(recording.listeners, [&](const Listener& l) {
          return std::find(read.listeners_only_on.begin(), read.listeners_only_on.end(), l.port) ==
                 read.listeners_only_on.end();
        });
      }
    };
    as_read(expected.facts.host, again.facts.host);
    for (auto& [id, ns] : expected.facts.container_netns) {
      if (const auto read = again.facts.container_netns.find(id); read != again.facts.container_netns.end()) {
        as_read(ns, read->second);
      }
    }
    for (std::size_t i = 0;
         i < std::min(expected.facts.forwarder_namespaces.size(), again.facts.forwarder_namespaces.size());
         ++i) {
      as_read(expected.facts.forwarder_namespaces[i].netns, again.facts.forwarder_namespaces[i].netns);
    }
    CHECK(snapshot::save(again) == snapshot::save(expected));
  }
  MESSAGE(listed_only << " containers of the recordings were read from the list alone; " << narrowed
                      << " recordings from a narrowed list");
  CHECK(narrowed > 0);
  CHECK(listed_only > 0);  // the narrowing is exercised, not only allowed
}

TEST_CASE(
    "a namespace is read for the question's ports; every port, a few kept, when nothing there takes it") {
  Scene s;
  // A busy container: its app on 3000 and a hundred sockets of no question's.
  NetnsFacts& web = s.host->namespaces.namespaces.at(100);
  for (std::uint16_t port = 20000; port < 20100; ++port) {
    web.listeners.push_back(listener(Protocol::tcp, "127.0.0.1", port));
  }
  auto f = s.gather();
  REQUIRE(f.has_value());
  const NetnsFacts& read = f->container_netns.at(s.container("web").id);
  CHECK(read.listeners_only_on == std::vector<std::uint16_t>{3000, 8080});
  REQUIRE(read.listeners.size() == 1);
  CHECK(read.listeners.front().port == 3000);
  CHECK(f->host.listeners_only_on == std::vector<std::uint16_t>{8080});
  // The host once for 8080, the container once for its ports.
  REQUIRE(s.host->namespaces.scopes.size() == 2);
  CHECK_FALSE(s.host->namespaces.scopes[1].every_port);

  // The app on loopback: nothing takes the traffic, so every port is read
  // and the likeliest kept, the rest counted.
  web.listeners.front().address = *IpAddress::parse("127.0.0.1");
  Scene busy;
  busy.host->namespaces.namespaces.at(100) = web;
  f = busy.gather();
  REQUIRE(f.has_value());
  const NetnsFacts& wide = f->container_netns.at(busy.container("web").id);
  CHECK(wide.listeners_only_on.empty());
  CHECK(wide.listeners.size() == gather::k_listeners_kept);
  CHECK(wide.listeners_left_out == 101 - gather::k_listeners_kept);
  CHECK(std::any_of(wide.listeners.begin(), wide.listeners.end(),
                    [](const Listener& l) { return l.port == 3000; }));
  const auto& scopes = busy.host->namespaces.scopes;
  REQUIRE(scopes.size() == 3);
  CHECK(scopes[2].every_port);
  CHECK(scopes[2].keep == gather::k_listeners_kept);
  const Diagnosis d = diagnose(host_query(8080), *f, std::nullopt);
  CHECK(d.verdict == Verdict::bound_to_loopback);
  CHECK(d.listeners_left_out == 101 - gather::k_listeners_kept);
}

TEST_SUITE_END();

TEST_CASE("a user's engine is believed about the user's processes only") {
  Facts recorded = host_facts();
  Container& web = add_container(recorded, "web", "172.17.0.2", {listener(Protocol::tcp, "0.0.0.0", 3000)});
  publish(web, 8080, 3000);
  web.engine_uid = 1001;  // a rootless engine's container, naming web.state.pid
  FakeHost host(*recorded.engine);
  host.namespaces.add(web.state.pid, 100, recorded.container_netns.at(web.id));

  SUBCASE("its PID runs in no user namespace of the user's: the namespace is not read") {
    const auto f = gather::gather(host_query(8080), host.sources());
    REQUIRE(f.has_value());
    CHECK_FALSE(f->container_netns.contains(web.id));
    CHECK(has_unread(*f, "network namespace of container `web`", "the engine of uid 1001 names process"));
  }
  SUBCASE("its PID is the user's: read as any other") {
    host.namespaces.process_users[web.state.pid] = 1001;
    const auto f = gather::gather(host_query(8080), host.sources());
    REQUIRE(f.has_value());
    CHECK(f->container_netns.contains(web.id));
  }
}
