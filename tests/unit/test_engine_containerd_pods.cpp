// containerd's metadata (meta.db), recorded from containerd 1.6.20 on this
// project's machine (tests/fixtures/engine/containerd/meta_pod.db): the
// kubelet's pod labels of a sandbox and its app containers, read without an
// API server; and files that are cut or not containerd's.

#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "fixtures.hpp"
#include "whyno/engine/containerd_pods.hpp"

using namespace whyno;
using namespace whyno::engine;

namespace {

std::span<const std::byte> bytes_of(const std::string& s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}

const ContainerdContainer* with_id_prefix(const std::vector<ContainerdContainer>& all,
                                          std::string_view prefix) {
  const auto it = std::find_if(all.begin(), all.end(),
                               [&](const ContainerdContainer& c) { return c.id.starts_with(prefix); });
  return it == all.end() ? nullptr : &*it;
}

}  // namespace

TEST_SUITE_BEGIN("engine_containerd_pods");

TEST_CASE("containerd's metadata names a pod's sandbox and app containers by the kubelet's labels") {
  const std::string file = test::fixture_text("engine/containerd/meta_pod.db");
  const auto pods = parse_containerd_meta(bytes_of(file));
  REQUIRE_MESSAGE(pods, pods.error().message);
  // The container with no labels is no pod's.
  CHECK(pods->size() == 3);
  CHECK(with_id_prefix(*pods, "5e5e") == nullptr);

  const ContainerdContainer* sandbox = with_id_prefix(*pods, "3f1c2d4e");
  REQUIRE(sandbox != nullptr);
  CHECK(sandbox->containerd_namespace == "k8s.io");
  CHECK(sandbox->sandbox);
  CHECK(sandbox->pod_namespace == "shop");
  CHECK(sandbox->pod_name == "web-7d4b9c-xk2lp");
  CHECK(sandbox->pod_uid == "5f1c8e2a-3b4d-4c6e-8f0a-1b2c3d4e5f60");
  CHECK(sandbox->container_name.empty());

  const ContainerdContainer* web = with_id_prefix(*pods, "9a8b7c6d");
  REQUIRE(web != nullptr);
  CHECK_FALSE(web->sandbox);
  CHECK(web->container_name == "web");
  CHECK(web->pod_uid == sandbox->pod_uid);
  const ContainerdContainer* metrics = with_id_prefix(*pods, "0b1c2d3e");
  REQUIRE(metrics != nullptr);
  CHECK(metrics->container_name == "metrics");
  // The parser says nothing of tasks: read_containerd_pods does.
  CHECK_FALSE(web->running);
}

TEST_CASE("a cut file, or a BoltDB that is not containerd's, is an error, not a guess") {
  const std::string file = test::fixture_text("engine/containerd/meta_pod.db");
  for (const std::size_t size : {std::size_t{0}, std::size_t{100}, std::size_t{4096}}) {
    CHECK_FALSE(parse_containerd_meta(bytes_of(file.substr(0, size))));
  }
  // podman's database is a BoltDB with no v1 bucket.
  const std::string podman = test::fixture_text("engine/podman-rootless/ondisk-bolt/bolt_state.db");
  const auto other = parse_containerd_meta(bytes_of(podman));
  REQUIRE_FALSE(other);
  CHECK(other.error().message.find("v1") != std::string::npos);
}

TEST_CASE("no containerd on this root: not_found, in one sentence") {
  const auto none = read_containerd_pods("/nonexistent-root");
  REQUIRE_FALSE(none);
  CHECK(none.error().kind == Error::Kind::not_found);
}
