#include <doctest/doctest.h>

#include <fmt/format.h>

#include "facts_builder.hpp"
#include "fixtures.hpp"
#include "whyno/core/plan/audit_items.hpp"
#include "whyno/core/paths/diagnose.hpp"
#include "whyno/snapshot/snapshot.hpp"

using namespace whyno;
using whyno::test::add_container;
using whyno::test::add_docker_rules;
using whyno::test::host_facts;
using whyno::test::listener;
using whyno::test::publish;

namespace {

std::vector<AuditEntry> diagnose_all(const Facts& facts, const AuditScope& scope = {}) {
  std::vector<AuditEntry> entries;
  for (AuditItem& item : audit_items(facts, scope)) {
    Diagnosis d = diagnose(item.query, facts);
    entries.push_back({std::move(item), std::move(d)});
  }
  return entries;
}

}  // namespace

TEST_SUITE_BEGIN("core_audit");

TEST_CASE("--all on a recorded host: the one published port, with its single-port verdict") {
  // Recorded by tests/e2e: -p 8080:3000, the app bound to 127.0.0.1:3000.
  auto snap =
      snapshot::load(test::fixture_text("snapshots/bound-to-loopback__bound-to-loopback-host-1.json"));
  REQUIRE(snap);
  const auto entries = diagnose_all(snap->facts);
  // 0.0.0.0:8080 and [::]:8080 are one question: localhost:8080.
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].item.kind == AuditItem::Kind::published);
  CHECK(entries[0].item.query.port == 8080);
  CHECK(entries[0].item.query.target.text == "localhost");
  CHECK(entries[0].diagnosis.verdict == Verdict::bound_to_loopback);
  CHECK(entries[0].diagnosis.verdict == diagnose(snap->query, snap->facts, snap->probe).verdict);
  CHECK(is_broken(entries[0]));
  CHECK(audit_verdict(entries) == Verdict::bound_to_loopback);
  const AuditTally t = tally(entries);
  CHECK(t.published == 1);
  CHECK(t.broken == 1);
  CHECK(t.unpublished == 0);
}

TEST_CASE("--all lists listened and EXPOSEd ports that nothing publishes, and they are not broken") {
  Facts f = host_facts();
  Container& web =
      add_container(f, "web", "172.17.0.2",
                    {listener(Protocol::tcp, "0.0.0.0", 3000), listener(Protocol::tcp, "0.0.0.0", 9090),
                     listener(Protocol::udp, "127.0.0.11", 45678)});  // Docker's DNS
  publish(web, 8080, 3000);
  web.exposed.push_back({Protocol::tcp, 3000});
  web.exposed.push_back({Protocol::tcp, 5000});
  add_docker_rules(f, "172.17.0.2", 3000, 8080);
  add_container(f, "db", "172.17.0.3", {listener(Protocol::tcp, "0.0.0.0", 5432)});

  const auto entries = diagnose_all(f);
  std::vector<std::string> seen;
  for (const AuditEntry& e : entries) {
    seen.push_back(fmt::format("{} {} {}", e.item.container_name,
                               e.item.kind == AuditItem::Kind::published ? "published" : "unpublished",
                               e.item.query.port));
  }
  // By container name, published first, then by port.
  CHECK(seen == std::vector<std::string>{"db unpublished 5432", "web published 8080", "web unpublished 5000",
                                         "web unpublished 9090"});
  for (const AuditEntry& e : entries) {
    CHECK_FALSE((e.item.kind == AuditItem::Kind::unpublished && is_broken(e)));
  }
  const AuditTally t = tally(entries);
  CHECK(t.published == 1);
  CHECK(t.unpublished == 3);
}

TEST_CASE("--all --container and --project narrow it; a stopped container's port is checked too") {
  Facts f = host_facts();
  Container& api = add_container(f, "shop_api_1", "172.17.0.2", {listener(Protocol::tcp, "0.0.0.0", 3000)});
  api.compose_project = "shop";
  api.compose_service = "api";
  publish(api, 8080, 3000);
  Container& old = add_container(f, "old", "172.17.0.4");
  old.intended.push_back({Protocol::tcp, 80, "", 8081});  // asked for, not applied: it is stopped
  old.state.status = "exited";
  old.state.running = false;
  old.state.pid = 0;

  AuditScope project;
  project.project = "shop";
  auto entries = diagnose_all(f, project);
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].item.container_name == "shop_api_1");

  AuditScope one;
  one.container = "old";
  entries = diagnose_all(f, one);
  REQUIRE(entries.size() == 1);
  CHECK(entries[0].item.query.port == 8081);
  CHECK(entries[0].diagnosis.verdict == Verdict::container_not_running);
  CHECK(audit_verdict(entries) == Verdict::container_not_running);

  AuditScope service;
  service.container = "api";  // a Compose service names its container
  CHECK(diagnose_all(f, service).size() == 1);
}

TEST_CASE("--all with nothing to check is reachable: there is nothing broken") {
  Facts f = host_facts();
  CHECK(audit_items(f, {}).empty());
  CHECK(audit_verdict({}) == Verdict::reachable);
}

TEST_CASE("--all checks at most so many ports of one container; the rest are one inconclusive item") {
  Facts f = host_facts();
  Container& ranges = add_container(f, "ranges", "172.17.0.2");
  for (unsigned port = 1; port <= k_max_checked_per_container + 500; ++port) {
    ranges.intended.push_back(
        {Protocol::tcp, static_cast<std::uint16_t>(port), "", static_cast<std::uint16_t>(port)});
  }
  const std::vector<AuditItem> items = audit_items(f, {});
  REQUIRE(items.size() == k_max_checked_per_container + 1);
  const AuditItem& rest = items.back();
  CHECK(rest.not_checked == 500);
  CHECK(rest.query.port == k_max_checked_per_container + 1);
  const Diagnosis d = not_checked_diagnosis(rest);
  CHECK(d.verdict == Verdict::inconclusive);
  CHECK(d.summary.find("500 more ports") != std::string::npos);
  CHECK(items.front().not_checked == 0);
}
