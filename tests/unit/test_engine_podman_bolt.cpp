// podman's database (libpod/bolt_state.db), recorded from rootless podman
// 4.3.1 on this project's machine (tests/fixtures/engine/podman-rootless/
// ondisk-bolt): its port bindings, network modes and states, read without
// the API; and BoltDB files that are cut, looped or not BoltDB at all.

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <tuple>
#include <vector>

#include <fmt/format.h>

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

std::span<const std::byte> bytes_of(const std::string& s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}

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

TEST_CASE(
    "rootless podman without its API: containers from its files, bindings and state from its database") {
  const std::string home = "/home/wpb";
  const PodmanStore store = rootless_podman_store(1001, home);
  CHECK(store.storage == "/home/wpb/.local/share/containers/storage");
  CHECK(store.runroot == "/run/user/1001/containers");
  std::map<std::string, std::string> files;
  files[store.storage + "/libpod/bolt_state.db"] = bolt_bytes();
  files[store.storage + "/vfs-containers/containers.json"] =
      test::fixture_text(std::string(k_dir) + "containers.json");
  for (const auto& [name, id] : {std::pair{"rweb", k_rweb}, std::pair{"rok", k_rok}}) {
    const std::string run_dir = store.runroot + "/vfs-containers/" + id + "/userdata/";
    files[store.storage + "/vfs-containers/" + id + "/userdata/config.json"] =
        test::fixture_text(std::string(k_dir) + "oci_config_" + name + ".json");
    files[run_dir + "pidfile"] = test::fixture_text(std::string(k_dir) + "userdata_" + name + "_pidfile");
    files[run_dir + "hosts"] = test::fixture_text(std::string(k_dir) + "userdata_" + name + "_hosts");
  }
  StateFiles state;
  state.read = [files](const std::string& path) -> Result<std::string> {
    const auto it = files.find(path);
    if (it == files.end()) {
      return fail(Error::Kind::not_found, path + ": no such file");
    }
    return it->second;
  };
  state.list = [](const std::string&) { return std::vector<std::string>(); };
  state.alive = [](int pid) { return pid == 10632 || pid == 10679; };
  const auto engine = read_podman_state(state, store);
  REQUIRE_MESSAGE(engine, engine.error().message);
  CHECK(engine->unread.empty());  // the database was read: the bindings are known
  REQUIRE(engine->engines.size() == 1);
  CHECK(engine->engines.front().rootless);
  CHECK(engine->engines.front().uid == 1001U);
  CHECK(describe(engine->engines.front()) ==
        "podman (rootless, uid 1001, read from its files: no API answered)");
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
  state.read = [files](const std::string& path) -> Result<std::string> {
    const auto it = files.find(path);
    if (it == files.end()) {
      return fail(Error::Kind::not_found, path + ": no such file");
    }
    return it->second;
  };
  const auto blind = read_podman_state(state, store);
  REQUIRE(blind);
  CHECK(blind->containers.size() == 3);
  REQUIRE(blind->unread.size() == 1);
  CHECK(blind->unread.front().reason.find("bolt_state.db") != std::string::npos);
}

TEST_SUITE_END();

namespace {

/// A BoltDB of our own making, page size 4096: root bucket -> "ctr" ->
/// `ids` container buckets that all point at one shared bucket page holding
/// "config" and "state". A hostile file: real bbolt never shares a page.
std::string shared_bucket_bomb(std::size_t ids, const std::string& config) {
  constexpr std::size_t k_page = 4096;
  const std::size_t config_pages = (config.size() + 200) / k_page + 1;
  std::string file((5 + config_pages) * k_page, '\0');
  const auto put = [&](std::size_t at, auto value) { std::memcpy(file.data() + at, &value, sizeof value); };
  const auto fnv = [](const char* p, std::size_t n) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (std::size_t i = 0; i < n; ++i) {
      h ^= static_cast<unsigned char>(p[i]);
      h *= 0x100000001b3ULL;
    }
    return h;
  };
  for (std::uint64_t meta = 0; meta < 2; ++meta) {
    const std::size_t at = meta * k_page + 16;
    put(at, std::uint32_t{0xED0CDAED});
    put(at + 4, std::uint32_t{2});
    put(at + 8, std::uint32_t{k_page});
    put(at + 16, std::uint64_t{2});  // root bucket's page
    put(at + 48, meta);              // txid
    put(at + 56, fnv(file.data() + at, 56));
  }
  // A leaf page at `page` with one element per (key, value, is_bucket).
  const auto leaf = [&](std::size_t page,
                        const std::vector<std::tuple<std::string, std::string, bool>>& items,
                        std::uint32_t overflow) {
    const std::size_t at = page * k_page;
    put(at, std::uint64_t{page});
    put(at + 8, std::uint16_t{0x02});
    put(at + 10, static_cast<std::uint16_t>(items.size()));
    put(at + 12, overflow);
    std::size_t data = 16 + items.size() * 16;
    for (std::size_t i = 0; i < items.size(); ++i) {
      const auto& [key, value, bucket] = items[i];
      const std::size_t element = at + 16 + i * 16;
      put(element, std::uint32_t{bucket ? 1U : 0U});
      put(element + 4, static_cast<std::uint32_t>(at + data - element));
      put(element + 8, static_cast<std::uint32_t>(key.size()));
      put(element + 12, static_cast<std::uint32_t>(value.size()));
      file.replace(at + data, key.size() + value.size(), key + value);
      data += key.size() + value.size();
    }
  };
  const auto bucket_value = [](std::uint64_t root) {
    return std::string(reinterpret_cast<const char*>(&root), 8) + std::string(8, '\0');
  };
  leaf(2, {{"ctr", bucket_value(3), true}}, 0);
  std::vector<std::tuple<std::string, std::string, bool>> containers;
  for (std::size_t i = 0; i < ids; ++i) {
    containers.emplace_back(fmt::format("{:016}", i), bucket_value(4), true);  // 80 fit one page
  }
  leaf(3, containers, 0);
  leaf(4, {{"config", config, false}, {"state", R"({"state":3,"pid":1})", false}},
       static_cast<std::uint32_t>(config_pages));
  return file;
}

}  // namespace

TEST_CASE("a BoltDB whose container buckets share one tree costs the file once, then is refused") {
  // 1 MiB of config, named by 80 buckets: 80 MiB of JSON to parse if believed.
  const std::string config = R"({"name":"bomb","pad":")" + std::string(1 << 20, 'x') + R"("})";
  const std::string file = shared_bucket_bomb(80, config);
  const auto started = std::chrono::steady_clock::now();
  const auto bolt = parse_podman_bolt(bytes_of(file));
  const auto took = std::chrono::steady_clock::now() - started;
  REQUIRE_FALSE(bolt);
  CHECK_MESSAGE(bolt.error().message.find("share their pages or values") != std::string::npos,
                bolt.error().message);
  CHECK(took < std::chrono::seconds(2));
}

TEST_CASE("port ranges of a hostile database are capped, per container and per database") {
  std::string mappings;
  for (int i = 0; i < 100; ++i) {
    mappings += std::string(i == 0 ? "" : ",") +
                R"({"host_ip":"","container_port":1,"host_port":1,"range":65535,"protocol":"tcp,udp"})";
  }
  const std::string config = R"({"name":"ranges","newPortMappings":[)" + mappings + "]}";
  // Three containers (the bucket shared, as a hostile file may): 3 x 100 x
  // 65535 x 2 bindings if expanded, 39 M; kept: k_max_bindings.
  const auto bolt = parse_podman_bolt(bytes_of(shared_bucket_bomb(3, config)));
  REQUIRE_MESSAGE(bolt, bolt.error().message);
  CHECK(bolt->bindings_capped);
  std::size_t bindings = 0;
  for (const BoltContainer& c : bolt->containers) {
    CHECK(c.bindings.size() <= std::size_t{2} * 65536);
    bindings += c.bindings.size();
  }
  CHECK(bindings <= k_max_bindings);
  CHECK(bindings > 0);
}

TEST_CASE("the recorded hostile databases: the bucket bomb is refused fast, the range bomb capped") {
  // tests/fixtures/engine/hostile/make_bombs.py wrote them.
  const std::string bomb = test::fixture_text("engine/hostile/bolt_bucket_bomb.db");
  const auto started = std::chrono::steady_clock::now();
  const auto refused = parse_podman_bolt(bytes_of(bomb));
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(1));
  REQUIRE_FALSE(refused);
  CHECK_MESSAGE(refused.error().message.find("share their pages") != std::string::npos,
                refused.error().message);

  const auto ranges = parse_podman_bolt(bytes_of(test::fixture_text("engine/hostile/bolt_range_bomb.db")));
  REQUIRE_MESSAGE(ranges, ranges.error().message);
  REQUIRE(ranges->containers.size() == 1);
  CHECK(ranges->bindings_capped);
  CHECK(ranges->containers.front().bindings.size() == std::size_t{2} * 65536);
}
