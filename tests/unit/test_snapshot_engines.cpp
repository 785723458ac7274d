// Snapshots keep which engines were read and which engine each container
// and network came from; snapshots from before that still load.

#include <doctest/doctest.h>

#include <algorithm>

#include "fixtures.hpp"
#include "whyno/core/paths/diagnose.hpp"
#include "whyno/snapshot/snapshot.hpp"

using namespace whyno;

TEST_SUITE_BEGIN("snapshot_engines");

TEST_CASE("engines, their containers and networks round-trip") {
  snapshot::Snapshot snap;
  snap.query.port = 8080;
  Engine engine;
  engine.product = "docker";
  engine.version = "20.10.24+dfsg1";
  engine.engines = {{"docker", "20.10.24+dfsg1", "1.41", "/var/run/docker.sock", false, 0U, false},
                    {"podman", "4.3.1", "1.41", "/run/user/1000/podman/podman.sock", true, 1000U, false},
                    {"podman", "4.3.1", "1.41", "/run/podman/podman.sock", false, std::nullopt, false}};
  engine.unread = {{"engine at /run/user/1001/docker.sock", "refused the connection"}};
  Container c;
  c.id = std::string(64, 'a');
  c.name = "web";
  c.engine = "/run/user/1000/podman/podman.sock";
  engine.containers.push_back(c);
  Network n;
  n.name = "podman";
  n.engine = "/run/user/1000/podman/podman.sock";
  engine.networks.push_back(n);
  snap.facts.engine = engine;

  const std::string saved = snapshot::save(snap);
  const auto loaded = snapshot::load(saved);
  REQUIRE_MESSAGE(loaded, loaded.error().message);
  CHECK(snapshot::save(*loaded) == saved);
  const Engine& back = *loaded->facts.engine;
  REQUIRE(back.engines.size() == 3);
  CHECK(back.engines[1].rootless);
  CHECK(back.engines[1].uid == 1000U);
  CHECK_FALSE(back.engines[2].uid);
  CHECK(back.containers.front().engine == "/run/user/1000/podman/podman.sock");
  CHECK(back.networks.front().engine == "/run/user/1000/podman/podman.sock");
  REQUIRE(back.unread.size() == 1);

  const Diagnosis d = diagnose(loaded->query, loaded->facts, loaded->probe);
  REQUIRE(d.engines.size() == 3);
  CHECK(describe(d.engines[1]) == "podman 4.3.1 (rootless, uid 1000)");
  CHECK(std::any_of(d.unread.begin(), d.unread.end(),
                    [](const Unread& u) { return u.source == "engine at /run/user/1001/docker.sock"; }));
}

TEST_CASE("a snapshot from before `engines` names its one engine") {
  const auto loaded =
      snapshot::load(test::fixture_text("snapshots/bound-to-loopback__bound-to-loopback-host-1.json"));
  REQUIRE_MESSAGE(loaded, loaded.error().message);
  CHECK(loaded->facts.engine->engines.empty());
  const Diagnosis d = diagnose(loaded->query, loaded->facts, loaded->probe);
  REQUIRE(d.engines.size() == 1);
  CHECK(d.engines.front().kind == "docker");
  CHECK(describe(d.engines.front()).starts_with("docker 20.10"));
}

TEST_SUITE_END();
