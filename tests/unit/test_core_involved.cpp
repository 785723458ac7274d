#include <doctest/doctest.h>

#include "facts_builder.hpp"
#include "whyno/core/involved.hpp"

using namespace whyno;
using whyno::test::add_container;
using whyno::test::add_docker_rules;
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

TEST_CASE("every container when the diagnosis must look for the one meant") {
  const Host h;
  CHECK_FALSE(h.involved(host_query(7000)));       // nothing publishes 7000
  CHECK_FALSE(h.involved(from("api", "localhost", 3000)));  // who serves it elsewhere?
  CHECK_FALSE(h.involved(from("api", "nosuch", 3000)));     // a name no container has
  CHECK_FALSE(h.involved(host_query(0)));           // --all
}
