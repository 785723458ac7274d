// podman's database (libpod/bolt_state.db), recorded from rootless podman
// 4.3.1 on this project's machine (tests/fixtures/engine/podman-rootless/
// ondisk-bolt): its port bindings, network modes and states, read without
// the API; and BoltDB files that are cut, looped or not BoltDB at all.

#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <map>

#include "engine/boltdb.hpp"
#include "engine/podman_bolt.hpp"
#include "engine/podman_state.hpp"
#include "fixtures.hpp"

using namespace whyno;
using namespace whyno::engine;

namespace {

constexpr const char* k_dir = "engine/podman-rootless/ondisk-bolt/";
constexpr const char* k_rweb = "f5c15f8193133438ed9438a0518c3f4ee8003e6a7518c1156ef07a7bddc0f0bb";
constexpr const char* k_rok = "93a89403632dfbd37c2a5df859676d1921b9c13d2fa21a01de08911318c2b458";

std::string bolt_bytes() { return test::fixture_text(std::string(k_dir) + "bolt_state.db"); }

std::span<const std::byte> bytes_of(const std::string& s) { return std::as_bytes(std::span(s.data(), s.size())); }

const BoltContainer& named(const PodmanBolt& bolt, const std::string& name) {
  const auto it = std::find_if(bolt.containers.begin(), bolt.containers.end(),
                               [&](const BoltContainer& c) { return c.name == name; });
  REQUIRE(it != bolt.containers.end());
  return *it;
}

}  // namespace

TEST_SUITE_BEGIN("engine_podman_bolt");

TEST_CASE("podman's database gives each container's bindings, network mode and state") {
  const std::string file = bolt_bytes();
  const auto bolt = parse_podman_bolt(bytes_of(file));
  REQUIRE_MESSAGE(bolt, bolt.error().message);
  CHECK(bolt->graph_driver == "vfs");
  CHECK(bolt->run_root == "/run/user/1001/containers");
  REQUIRE(bolt->containers.size() == 3);

  const BoltContainer& rweb = named(*bolt, "rweb");
  CHECK(rweb.id == k_rweb);
  CHECK(rweb.network_mode == "slirp4netns");
  CHECK(rweb.image == "localhost/whyno-test:latest");
  CHECK(rweb.state.status == "running");
  CHECK(rweb.state.pid == 10632);
  REQUIRE(rweb.bindings.size() == 1);
  CHECK(rweb.bindings.front().host_port == 18180);
  CHECK(rweb.bindings.front().container_port == 3000);
  CHECK(rweb.bindings.front().host_ip.empty());

  const BoltContainer& rok = named(*bolt, "rok");
  REQUIRE(rok.bindings.size() == 2);
  CHECK(rok.bindings[0].host_ip == "127.0.0.1");
  CHECK(rok.bindings[0].host_port == 18181);
  CHECK(rok.bindings[1].protocol == Protocol::udp);
  CHECK(rok.bindings[1].container_port == 3001);

  const BoltContainer& stopped = named(*bolt, "rstopped");
  CHECK(stopped.state.status == "created");  // podman create: configured, never started
  CHECK_FALSE(stopped.state.running);
  CHECK(stopped.state.pid == 0);
}

TEST_CASE("libpod's states in Docker's words") {
  CHECK(podman_status_name(1) == "created");
  CHECK(podman_status_name(2) == "created");
  CHECK(podman_status_name(3) == "running");
  CHECK(podman_status_name(4) == "exited");
  CHECK(podman_status_name(5) == "paused");
  CHECK(podman_status_name(6) == "exited");
  CHECK(podman_status_name(8) == "running");
  CHECK(podman_status_name(42) == "unknown");
}

TEST_CASE("a BoltDB file that is cut, corrupt or looped is refused or read as far as it is sound") {
  const std::string file = bolt_bytes();
  CHECK_FALSE(BoltView::open(bytes_of(std::string(100, 'x'))));
  CHECK_FALSE(BoltView::open(bytes_of(std::string())));
  // Every cut still opens (the meta pages are first) or fails; none crashes,
  // and a cut tree fails its walk instead of reading past the file.
  for (const std::size_t cut : {std::size_t{4096}, std::size_t{8192}, std::size_t{12288}, file.size() / 2}) {
    const std::string head = file.substr(0, cut);
    if (const auto bolt = parse_podman_bolt(bytes_of(head))) {
      CHECK(bolt->containers.size() <= 3);
    }
  }
  // A branch page that points at itself: a loop, found.
  std::string looped = file;
  const auto db = BoltView::open(bytes_of(looped));
  REQUIRE(db);
  const std::uint64_t root = db->root().root;
  const std::size_t at = static_cast<std::size_t>(root) * 4096;
  const std::uint16_t branch = 0x01;
  const std::uint16_t one = 1;
  std::memcpy(looped.data() + at + 8, &branch, 2);
  std::memcpy(looped.data() + at + 10, &one, 2);
  const std::uint32_t pos = 16;
  const std::uint32_t key_size = 0;
  std::memcpy(looped.data() + at + 16, &pos, 4);
  std::memcpy(looped.data() + at + 20, &key_size, 4);
  std::memcpy(looped.data() + at + 24, &root, 8);
  const auto broken = BoltView::open(bytes_of(looped));
  REQUIRE(broken);
  CHECK_FALSE(broken->for_each(broken->root(), [](const BoltView::Entry&) {}));
  CHECK_FALSE(parse_podman_bolt(bytes_of(looped)));
}

TEST_CASE("rootless podman without its API: containers from its files, bindings and state from its database") {
  const std::string home = "/home/wpb";
  const PodmanStore store = rootless_podman_store(1001, home);
  CHECK(store.storage == "/home/wpb/.local/share/containers/storage");
  CHECK(store.runroot == "/run/user/1001/containers");
  std::map<std::string, std::string> files;
  files[store.storage + "/libpod/bolt_state.db"] = bolt_bytes();
  files[store.storage + "/vfs-containers/containers.json"] = test::fixture_text(std::string(k_dir) + "containers.json");
  for (const auto& [name, id] : {std::pair{"rweb", k_rweb}, std::pair{"rok", k_rok}}) {
    const std::string run_dir = store.runroot + "/vfs-containers/" + id + "/userdata/";
    files[store.storage + "/vfs-containers/" + id + "/userdata/config.json"] =
        test::fixture_text(std::string(k_dir) + "oci_config_" + name + ".json");
    files[run_dir + "pidfile"] = test::fixture_text(std::string(k_dir) + "userdata_" + name + "_pidfile");
    files[run_dir + "hosts"] = test::fixture_text(std::string(k_dir) + "userdata_" + name + "_hosts");
  }
  StateFiles state;
  state.read = [files](const std::string& path) -> std::optional<std::string> {
    const auto it = files.find(path);
    return it == files.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  state.list = [](const std::string&) { return std::vector<std::string>(); };
  state.alive = [](int pid) { return pid == 10632 || pid == 10679; };
  const auto engine = read_podman_state(state, store);
  REQUIRE_MESSAGE(engine, engine.error().message);
  CHECK(engine->unread.empty());  // the database was read: the bindings are known
  REQUIRE(engine->engines.size() == 1);
  CHECK(engine->engines.front().rootless);
  CHECK(engine->engines.front().uid == 1001U);
  CHECK(describe(engine->engines.front()) == "podman (rootless, uid 1001, read from its files: no API answered)");
  const auto find = [&](const std::string& name) -> const Container& {
    const auto it = std::find_if(engine->containers.begin(), engine->containers.end(),
                                 [&](const Container& c) { return c.name == name; });
    REQUIRE(it != engine->containers.end());
    return *it;
  };
  const Container& rweb = find("rweb");
  CHECK(rweb.state.running);
  CHECK(rweb.state.pid == 10632);
  CHECK(rweb.network_mode == "slirp4netns");
  REQUIRE(rweb.actual.size() == 1);
  CHECK(rweb.actual.front().host_port == 18180);
  const Container& stopped = find("rstopped");
  CHECK(stopped.state.status == "created");
  CHECK(stopped.actual.empty());
  REQUIRE(stopped.intended.size() == 1);
  CHECK(stopped.intended.front().host_port == 18183);

  // Without the database: the containers still, the bindings unknown, and said so.
  files.erase(store.storage + "/libpod/bolt_state.db");
  state.read = [files](const std::string& path) -> std::optional<std::string> {
    const auto it = files.find(path);
    return it == files.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  const auto blind = read_podman_state(state, store);
  REQUIRE(blind);
  CHECK(blind->containers.size() == 3);
  REQUIRE(blind->unread.size() == 1);
  CHECK(blind->unread.front().reason.find("bolt_state.db") != std::string::npos);
}

TEST_SUITE_END();
