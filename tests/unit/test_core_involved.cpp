#include <doctest/doctest.h>

#include "facts_builder.hpp"
#include "whyno/core/plan/container_lookup.hpp"
#include "whyno/core/plan/involved.hpp"

using namespace whyno;
using whyno::test::add_container;
using whyno::test::add_docker_rules;
using whyno::test::add_user_network;
using whyno::test::host_facts;
using whyno::test::host_query;
using whyno::test::publish;

namespace {

/// web publishes 8080 -> 3000; api and db do not publish; stale is the
/// address an old DNAT rule for 9000 still leads to.
struct Host {
  Facts f = host_facts();
  Host() {
    publish(add_container(f, "web", "172.17.0.2"), 8080, 3000);
    add_container(f, "api", "172.17.0.3");
    Container& db = add_container(f, "db", "172.17.0.4");
    db.networks.front().aliases.push_back("database");
    add_container(f, "stale", "172.17.0.5");
    add_docker_rules(f, "172.17.0.5", 80, 9000);  // no container publishes 9000
  }
  std::string id(const char* name) const {
    for (const Container& c : f.engine->containers) {
      if (c.name == name) {
        return c.id;
      }
    }
    return "";
  }
  std::optional<std::set<std::string>> involved(const Query& q) const {
    return containers_involved(q, *f.engine, f.ruleset);
  }
};

Query from(const char* client, const char* target, std::uint16_t port) {
  Query q = host_query(port, target);
  q.from = Client::parse(client);
  return q;
}

}  // namespace

TEST_SUITE_BEGIN("core_involved");

TEST_CASE("a published port involves its publisher only") {
  const Host h;
  CHECK(h.involved(host_query(8080)) == std::set<std::string>{h.id("web")});
  Query named = host_query(8080);
  named.container = "api";
  CHECK(h.involved(named) == std::set<std::string>{h.id("web"), h.id("api")});
}

TEST_CASE("a DNAT rule for the port leads to a container the engine does not list as publisher") {
  const Host h;
  CHECK(h.involved(host_query(9000)) == std::set<std::string>{h.id("stale")});
}

TEST_CASE("a client and its target, by name, alias or address") {
  const Host h;
  CHECK(h.involved(from("api", "web", 3000)) == std::set<std::string>{h.id("api"), h.id("web")});
  CHECK(h.involved(from("api", "database", 5432)) == std::set<std::string>{h.id("api"), h.id("db")});
  CHECK(h.involved(from("api", "172.17.0.4", 5432)) == std::set<std::string>{h.id("api"), h.id("db")});
}

TEST_CASE("a service's name is not an id prefix: db is the service, not the container whose id starts db") {
  // Seen in CI: Compose's api dialled db, and another container's random
  // id began with "db"; the planner read that one and left db unread.
  Host h;
  Container& db = h.f.engine->containers[2];
  db.name = "shop_db_1";
  db.compose_service = "db";
  db.networks.front().aliases = {"db"};
  h.f.engine->containers[3].id = "db41" + std::string(60, '0');
  CHECK(h.involved(from("api", "db", 5432)) == std::set<std::string>{h.id("api"), h.id("shop_db_1")});
  CHECK(look_up_container(*h.f.engine, "db").found == &db);
  CHECK(look_up_container(*h.f.engine, "db41").found == &h.f.engine->containers[3]);
}

TEST_CASE("every container when the diagnosis must look for the one meant") {
  const Host h;
  CHECK_FALSE(h.involved(host_query(7000)));                // nothing publishes 7000
  CHECK_FALSE(h.involved(from("api", "localhost", 3000)));  // who serves it elsewhere?
  CHECK_FALSE(h.involved(from("api", "nosuch", 3000)));     // a name no container has
  CHECK_FALSE(h.involved(host_query(0)));                   // --all
}

TEST_CASE("a port on the path: only its containers, and those the list cannot vouch for, are inspected") {
  Host h;
  std::set<std::string> want{h.id("web")};
  CHECK(containers_to_inspect(host_query(8080), *h.f.engine, h.f.ruleset) == want);

  // A container that is not running: its intended bindings are not listed
  // (a start that failed on the port).
  Container& stopped = add_container(h.f, "stopped", "172.17.0.9");
  stopped.state.status = "created";
  stopped.state.running = false;
  // Another's namespace, the host's network, none.
  Container& sidecar = add_container(h.f, "sidecar", "172.17.0.10");
  sidecar.network_mode = "container:" + h.id("api");
  add_container(h.f, "on-host", "172.17.0.11").network_mode = "host";
  // Not a plain NAT bridge: internal, routed, or a network the list names
  // and /networks does not.
  add_user_network(h.f, "inner");
  h.f.engine->networks.back().internal = true;
  add_container(h.f, "internal", "172.20.0.2", {}, "inner");
  add_user_network(h.f, "direct");
  h.f.engine->networks.back().options["com.docker.network.bridge.gateway_mode_ipv4"] = "routed";
  add_container(h.f, "routed", "172.21.0.2", {}, "direct");
  add_container(h.f, "unknown-net", "172.22.0.2", {}, "gone");
  // A user-defined bridge in NAT mode is as good as the default one.
  add_user_network(h.f, "app");
  add_container(h.f, "on-app", "172.23.0.2", {}, "app");

  want.insert({h.id("stopped"), h.id("sidecar"), h.id("on-host"), h.id("internal"), h.id("routed"),
               h.id("unknown-net")});
  CHECK(containers_to_inspect(host_query(8080), *h.f.engine, h.f.ruleset) == want);
}

TEST_CASE("every container is inspected when the diagnosis may look at any of them") {
  Host h;
  CHECK_FALSE(containers_to_inspect(host_query(7000), *h.f.engine, h.f.ruleset));  // nothing publishes
  CHECK_FALSE(containers_to_inspect(host_query(0), *h.f.engine, h.f.ruleset));     // --all
  CHECK_FALSE(containers_to_inspect(from("api", "web", 3000), *h.f.engine, h.f.ruleset));  // aliases, links
  h.f.engine->product = "podman";
  CHECK_FALSE(containers_to_inspect(host_query(8080), *h.f.engine, h.f.ruleset));
}

TEST_CASE("the ports whose listeners a question needs: its own, its publishers', where DNAT leads") {
  const Host h;
  using Ports = std::vector<std::uint16_t>;
  // 8080 is published on web's 3000.
  CHECK(listener_ports(host_query(8080), *h.f.engine, h.f.ruleset) == std::optional(Ports{3000, 8080}));
  // 9000: a DNAT rule to 172.17.0.5:80.
  CHECK(listener_ports(host_query(9000), *h.f.engine, h.f.ruleset) == std::optional(Ports{80, 9000}));
  // The host's own: not a container's port, nor a DNAT to another namespace.
  CHECK(listener_ports(host_query(8080), *h.f.engine, h.f.ruleset, &h.f.host) == std::optional(Ports{8080}));
  CHECK(listener_ports(host_query(9000), *h.f.engine, h.f.ruleset, &h.f.host) == std::optional(Ports{9000}));
  // --all, and a --from container (a name may lead anywhere): every port.
  CHECK_FALSE(listener_ports(host_query(0), *h.f.engine, h.f.ruleset).has_value());
  CHECK_FALSE(listener_ports(from("api", "web", 3000), *h.f.engine, h.f.ruleset).has_value());
}

TEST_CASE("a REDIRECT is the host's; a wide NAT port range is every port") {
  Host h;
  nf::Rule redirect;
  redirect.action.kind = nf::ActionKind::redirect;
  redirect.action.nat_port_min = redirect.action.nat_port_max = 3128;
  h.f.ruleset.rules.push_back(redirect);
  using Ports = std::vector<std::uint16_t>;
  CHECK(listener_ports(host_query(8080), *h.f.engine, h.f.ruleset, &h.f.host) ==
        std::optional(Ports{3128, 8080}));
  nf::Rule wide = redirect;
  wide.action.nat_port_min = 1000;
  wide.action.nat_port_max = 2000;
  h.f.ruleset.rules.push_back(wide);
  CHECK_FALSE(listener_ports(host_query(8080), *h.f.engine, h.f.ruleset).has_value());
}

TEST_CASE("a narrowed list is enough when it holds the publisher and every rule leads to it or here") {
  Host h;
  Engine narrowed = *h.f.engine;
  narrowed.narrowed = true;
  std::erase_if(narrowed.containers, [](const Container& c) { return c.name != "web"; });
  CHECK(may_narrow_list(host_query(8080)));
  CHECK(narrowed_list_suffices(host_query(8080), narrowed, h.f.ruleset, &h.f.host));
  // Nothing publishes 9000: the diagnosis looks at every container.
  CHECK_FALSE(narrowed_list_suffices(host_query(9000), narrowed, h.f.ruleset, &h.f.host));
  // A rule for 8080 to a container the narrowed list does not hold.
  Host ruled;
  add_docker_rules(ruled.f, "172.17.0.4", 5432, 8080);
  CHECK_FALSE(narrowed_list_suffices(host_query(8080), narrowed, ruled.f.ruleset, &ruled.f.host));
  // A network whose published ports the list does not show.
  Engine macvlan = narrowed;
  macvlan.networks.push_back(Network{});
  macvlan.networks.back().name = "lan";
  macvlan.networks.back().driver = "macvlan";
  CHECK_FALSE(narrowed_list_suffices(host_query(8080), macvlan, h.f.ruleset, &h.f.host));
  // Questions that may involve any container are never narrowed.
  Query named = host_query(8080);
  named.container = "api";
  CHECK_FALSE(may_narrow_list(named));
  CHECK_FALSE(may_narrow_list(from("api", "web", 3000)));
  CHECK_FALSE(may_narrow_list(host_query(0)));
  CHECK_FALSE(may_narrow_list(host_query(8080, "172.17.0.2")));
}

TEST_SUITE_END();
