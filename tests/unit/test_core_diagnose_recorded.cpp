// The diagnosis, replayed on facts recorded from real scenarios
// (tests/fixtures/snapshots): one or more per verdict.

#include <doctest/doctest.h>

#include <filesystem>
#include <set>
#include <sstream>

#include "fixtures.hpp"
#include "whyno/core/paths/diagnose.hpp"
#include "whyno/render/json.hpp"
#include "whyno/render/text.hpp"
#include "whyno/snapshot/snapshot.hpp"

using namespace whyno;

TEST_SUITE_BEGIN("core_diagnose_recorded");

TEST_CASE("every recorded scenario gives its verdict again") {
  std::set<std::string> seen;
  for (const auto& entry : std::filesystem::directory_iterator(test::fixture_path("snapshots"))) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".json") {
      continue;
    }
    const std::string expected = name.substr(0, name.find("__"));
    INFO("snapshot: " << name);
    const auto snap = snapshot::load(test::fixture_text("snapshots/" + name));
    REQUIRE(snap.has_value());
    const Diagnosis d = diagnose(snap->query, snap->facts, snap->probe);
    CHECK(code(d.verdict) == expected);
    if (d.probe) {
      CHECK(d.probe->agrees);
    }
    CHECK_FALSE(d.summary.empty());
    CHECK(d.fix.empty() == (d.verdict == Verdict::reachable));
    // Both renderers take every recorded diagnosis.
    std::ostringstream text;
    render::render_text(text, snap->query, d, render::TextStyle{});
    CHECK(text.str().find(std::string(code(d.verdict))) != std::string::npos);
    std::ostringstream json;
    render::render_json(json, snap->query, d);
    CHECK(json.str().find("\"verdict\"") != std::string::npos);
    seen.insert(expected);
  }
  // Real data for every verdict the tool can give.
  for (const Verdict v : all_verdicts()) {
    INFO("verdict without a recorded snapshot: " << code(v));
    CHECK(seen.contains(std::string(code(v))));
  }
}

TEST_CASE("a snapshot survives save and load unchanged") {
  const auto snap = snapshot::load(test::fixture_text("snapshots/firewall-blocked__firewall-blocked-1.json"));
  REQUIRE(snap.has_value());
  const auto again = snapshot::load(snapshot::save(*snap));
  REQUIRE(again.has_value());
  CHECK(snapshot::save(*again) == snapshot::save(*snap));
  CHECK(again->facts.ruleset.rules.size() == snap->facts.ruleset.rules.size());
}

TEST_CASE("a sidecar's app is named by its own container, the namespace's owner as context") {
  for (const char* name :
       {"snapshots/reachable__sidecar-1.json", "snapshots/bound-to-loopback__sidecar-2.json"}) {
    INFO(name);
    const auto snap = snapshot::load(test::fixture_text(name));
    REQUIRE(snap.has_value());
    const Diagnosis d = diagnose(snap->query, snap->facts, snap->probe);
    const bool named =
        d.summary.find("-app` (sharing the network namespace of container `") != std::string::npos ||
        d.summary.find("-lo` (sharing the network namespace of container `") != std::string::npos;
    CHECK(named);
  }
}

TEST_SUITE_END();
