// Engine discovery over a made-up host (environment, files, sockets), and
// several engines merged into one.

#include <doctest/doctest.h>

#include <cerrno>
#include <map>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "fake_sources.hpp"
#include "whyno/engine/discovery.hpp"
#include "whyno/engine/engine_source.hpp"
#include "whyno/core/plan/container_lookup.hpp"

using namespace whyno;
using namespace whyno::engine;

namespace {

class FakeHost final : public DiscoveryHost {
 public:
  std::map<std::string, std::string> environment;
  std::map<std::string, std::string> files;
  std::map<std::string, SocketFile> sockets;
  std::vector<unsigned> uids;
  bool root = true;

  void socket(const std::string& path, unsigned owner = 0) {
    sockets[path] = SocketFile{1, m_next_inode++, owner};
  }

  std::optional<std::string> env(const std::string& name) const override {
    const auto it = environment.find(name);
    return it == environment.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
  std::optional<std::string> read_file(const std::string& path) const override {
    const auto it = files.find(path);
    return it == files.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
  std::optional<SocketFile> socket_at(const std::string& path) const override {
    const auto it = sockets.find(path);
    return it == sockets.end() ? std::nullopt : std::optional<SocketFile>(it->second);
  }
  std::vector<unsigned> runtime_dir_uids() const override { return uids; }
  bool exists(const std::string& path) const override {
    return files.contains(path) || sockets.contains(path);
  }
  bool is_root() const override { return root; }
  unsigned uid() const override { return root ? 0U : user_uid; }
  std::optional<std::string> home_of(unsigned uid) const override {
    const auto it = homes.find(uid);
    return it == homes.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
  unsigned user_uid = 1000;
  std::map<unsigned, std::string> homes;

 private:
  std::uint64_t m_next_inode = 100;
};

std::vector<std::string> paths(const Discovery& d) {
  std::vector<std::string> out;
  for (const auto& e : d.endpoints) {
    out.push_back(e.path);
  }
  return out;
}

}  // namespace

TEST_SUITE_BEGIN("engine_discovery");

TEST_CASE("sha256 as docker names a context's directory") {
  CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // Two blocks of padding: 56 bytes.
  CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  // docker context create rootless: ~/.docker/contexts/meta/<this>/meta.json
  CHECK(sha256_hex("rootless") == "12b961af5feb3e9d39f93b2cefb9a1a944f18d02cca0cac2f04f5a982240605f");
}

TEST_CASE("--engine alone is read, whatever else is there") {
  FakeHost host;
  host.socket("/var/run/docker.sock");
  host.environment["DOCKER_HOST"] = "tcp://10.0.0.5:2375";  // --engine wins over it
  for (const std::string option : {"unix:///srv/podman.sock", "/srv/podman.sock"}) {
    const auto found = discover_engines(host, option);
    REQUIRE_MESSAGE(found, found.error().message);
    CHECK(found->chosen);
    CHECK(paths(*found) == std::vector<std::string>{"/srv/podman.sock"});
    CHECK(found->endpoints.front().origin == "--engine");
    CHECK_FALSE(found->endpoints.front().owner);  // not there: the reader says so
  }
  const auto tcp = discover_engines(host, std::string("tcp://10.0.0.5:2375"));
  REQUIRE_FALSE(tcp);
  CHECK(tcp.error().kind == Error::Kind::unsupported);
  CHECK(tcp.error().message ==
        "--engine tcp://10.0.0.5:2375 is not supported: whyno-port reads the engine of this host "
        "over its unix socket (tcp:// and ssh:// are not); give --engine unix:///PATH");
  CHECK(discover_engines(host, std::string("")).error().kind == Error::Kind::invalid);
}

TEST_CASE("DOCKER_HOST: unix:// only, and only it") {
  FakeHost host;
  host.socket("/var/run/docker.sock");
  host.socket("/run/podman/podman.sock");
  host.environment["DOCKER_HOST"] = "unix:///run/user/1000/docker.sock";
  auto found = discover_engines(host, std::nullopt);
  REQUIRE(found);
  CHECK(found->chosen);
  CHECK(paths(*found) == std::vector<std::string>{"/run/user/1000/docker.sock"});

  host.environment["DOCKER_HOST"] = "unix://";
  CHECK(paths(*discover_engines(host, std::nullopt)) == std::vector<std::string>{"/var/run/docker.sock"});

  host.environment["DOCKER_HOST"] = "";  // empty is unset, as for the docker CLI
  found = discover_engines(host, std::nullopt);
  CHECK_FALSE(found->chosen);
  CHECK(found->endpoints.size() == 2);

  host.environment["DOCKER_HOST"] = "ssh://me@box";
  const auto ssh = discover_engines(host, std::nullopt);
  REQUIRE_FALSE(ssh);
  CHECK(ssh.error().kind == Error::Kind::unsupported);
  CHECK(ssh.error().message ==
        "DOCKER_HOST=ssh://me@box is not supported: whyno-port reads the engine of this host over "
        "its unix socket (tcp:// and ssh:// are not); give --engine unix:///PATH");
  host.environment["DOCKER_HOST"] = "npipe:////./pipe/docker_engine";
  CHECK(discover_engines(host, std::nullopt).error().message.find("(npipe://, tcp:// and ssh:// are not)") !=
        std::string::npos);
}

TEST_CASE("every well-known socket that is there, in order, each once") {
  FakeHost host;
  host.environment["XDG_RUNTIME_DIR"] = "/run/user/0";
  host.socket("/run/podman/podman.sock");
  host.socket("/var/run/docker.sock");
  // /run/docker.sock is /var/run/docker.sock through the /var/run symlink.
  host.sockets["/run/user/0/docker.sock"] = host.sockets["/var/run/docker.sock"];
  host.socket("/run/user/1000/podman/podman.sock", 1000);
  host.socket("/run/user/1001/docker.sock", 1001);
  host.uids = {0, 1000, 1001, 1002};
  const auto found = discover_engines(host, std::nullopt);
  REQUIRE(found);
  CHECK_FALSE(found->chosen);
  CHECK(paths(*found) == std::vector<std::string>{"/var/run/docker.sock", "/run/podman/podman.sock",
                                                  "/run/user/1000/podman/podman.sock",
                                                  "/run/user/1001/docker.sock"});
  CHECK(found->endpoints[2].owner == 1000U);
  CHECK(found->endpoints[0].owner == 0U);

  SUBCASE("a user sees only their own runtime dir") {
    host.root = false;
    host.environment["XDG_RUNTIME_DIR"] = "/run/user/1000";
    const auto mine = discover_engines(host, std::nullopt);
    CHECK(paths(*mine) == std::vector<std::string>{"/var/run/docker.sock", "/run/podman/podman.sock",
                                                   "/run/user/1000/podman/podman.sock"});
  }
}

TEST_CASE("nothing there: /var/run/docker.sock, so the error says what it always said") {
  FakeHost host;
  const auto found = discover_engines(host, std::nullopt);
  REQUIRE(found);
  CHECK(paths(*found) == std::vector<std::string>{"/var/run/docker.sock"});
  CHECK_FALSE(found->chosen);
}

TEST_CASE("the current docker context comes first") {
  FakeHost host;
  host.environment["HOME"] = "/home/ann";
  host.socket("/var/run/docker.sock");
  host.socket("/run/user/1000/docker.sock", 1000);
  host.uids = {1000};
  host.files["/home/ann/.docker/config.json"] = R"({"auths":{},"currentContext":"rootless"})";
  const std::string meta = "/home/ann/.docker/contexts/meta/" + sha256_hex("rootless") + "/meta.json";
  host.files[meta] =
      R"({"Name":"rootless","Metadata":{"Description":"Rootless mode"},)"
      R"("Endpoints":{"docker":{"Host":"unix:///run/user/1000/docker.sock","SkipTLSVerify":false}}})";
  auto found = discover_engines(host, std::nullopt);
  REQUIRE(found);
  CHECK(paths(*found) == std::vector<std::string>{"/run/user/1000/docker.sock", "/var/run/docker.sock"});
  CHECK(found->endpoints.front().origin == "docker context rootless");
  CHECK(found->unusable.empty());

  SUBCASE("DOCKER_CONFIG and DOCKER_CONTEXT, as the docker CLI reads them") {
    host.environment["DOCKER_CONFIG"] = "/etc/ann-docker";
    host.environment["DOCKER_CONTEXT"] = "other";
    host.files["/etc/ann-docker/contexts/meta/" + sha256_hex("other") + "/meta.json"] =
        R"({"Name":"other","Endpoints":{"docker":{"Host":"unix:///srv/other.sock"}}})";
    found = discover_engines(host, std::nullopt);
    CHECK(paths(*found) ==
          std::vector<std::string>{"/srv/other.sock", "/var/run/docker.sock", "/run/user/1000/docker.sock"});
  }
  SUBCASE("a context on another machine is named, not read") {
    host.files[meta] = R"({"Name":"rootless","Endpoints":{"docker":{"Host":"ssh://me@box"}}})";
    found = discover_engines(host, std::nullopt);
    CHECK(paths(*found) == std::vector<std::string>{"/var/run/docker.sock", "/run/user/1000/docker.sock"});
    REQUIRE(found->unusable.size() == 1);
    CHECK(found->unusable.front().source == "docker context rootless");
    CHECK(found->unusable.front().reason.find("ssh://me@box") != std::string::npos);
  }
  SUBCASE("a context whose meta.json is gone") {
    host.files.erase(meta);
    found = discover_engines(host, std::nullopt);
    REQUIRE(found->unusable.size() == 1);
    CHECK(found->unusable.front().reason.find("is missing") != std::string::npos);
  }
  SUBCASE("the default context and a broken config.json add nothing") {
    host.files["/home/ann/.docker/config.json"] = R"({"currentContext":"default"})";
    CHECK(discover_engines(host, std::nullopt)->endpoints.size() == 2);
    host.files["/home/ann/.docker/config.json"] = "{not json";
    found = discover_engines(host, std::nullopt);
    CHECK(found->endpoints.size() == 2);
    CHECK(found->unusable.empty());
  }
}

TEST_CASE("several engines merge; each container and network keeps its engine") {
  Engine docker;
  docker.product = "docker";
  docker.version = "20.10.24+dfsg1";
  docker.api_version = "1.41";
  docker.socket = "/var/run/docker.sock";
  docker.config.read = true;
  docker.config.userland_proxy = false;
  Container web;
  web.id = std::string(64, 'a');
  web.name = "web";
  docker.containers.push_back(web);
  Network bridge;
  bridge.name = "bridge";
  docker.networks.push_back(bridge);

  Engine podman;
  podman.product = "podman";
  podman.version = "4.3.1";
  podman.api_version = "1.41";
  podman.socket = "/run/podman/podman.sock";
  Container api;
  api.id = std::string(64, 'b');
  api.name = "api";
  podman.containers.push_back(api);
  podman.networks.push_back(bridge);

  const std::vector<EngineEndpoint> endpoints{{"/run/podman/podman.sock", "default", 0U},
                                              {"/var/run/docker.sock", "default", 0U},
                                              {"/run/user/1000/podman/podman.sock", "default", 1000U}};
  std::vector<std::unique_ptr<EngineSource>> sources;
  sources.push_back(std::make_unique<test::FakeEngine>(podman));
  sources.push_back(std::make_unique<test::FakeEngine>(docker));
  auto broken = std::make_unique<test::FakeEngine>(Engine{});
  broken->fail_read(
      "cannot reach the Docker engine: /run/user/1000/podman/podman.sock refused the connection");
  auto* podman_fake = static_cast<test::FakeEngine*>(sources.front().get());
  sources.push_back(std::move(broken));
  const auto merged_source =
      merge_engines(endpoints, std::move(sources), {{"docker context far", "it points at ssh://x"}});
  const auto merged = merged_source->read();
  REQUIRE_MESSAGE(merged, merged.error().message);
  CHECK(merged->product == "podman");  // the first engine's, as format 1 had it
  CHECK(merged->config.read);          // but Docker's daemon.json
  CHECK_FALSE(merged->config.userland_proxy);
  REQUIRE(merged->engines.size() == 2);
  CHECK(describe(merged->engines[0]) == "podman 4.3.1 (rootful)");
  CHECK(describe(merged->engines[1]) == "docker 20.10.24+dfsg1");
  REQUIRE(merged->containers.size() == 2);
  CHECK(merged->containers[0].engine == "/run/podman/podman.sock");
  CHECK(merged->containers[1].engine == "/var/run/docker.sock");
  CHECK(merged->networks[1].engine == "/var/run/docker.sock");
  REQUIRE(merged->unread.size() == 2);
  CHECK(merged->unread[0].source == "engine at /run/user/1000/podman/podman.sock");
  CHECK(merged->unread[1].source == "docker context far");

  const auto again = merged_source->inspect(api.id);
  REQUIRE(again);
  REQUIRE(*again);
  CHECK((*again)->engine == "/run/podman/podman.sock");
  CHECK(podman_fake->inspected == std::vector<std::string>{api.id});
  CHECK_FALSE(*merged_source->inspect(std::string(64, 'c')));
}

TEST_CASE("no engine answers: the first one's error, the others named") {
  const std::vector<EngineEndpoint> endpoints{{"/var/run/docker.sock", "default", 0U},
                                              {"/run/podman/podman.sock", "default", 0U}};
  std::vector<std::unique_ptr<EngineSource>> sources;
  for (const char* message :
       {"cannot reach the Docker engine: /var/run/docker.sock refused the connection (is dockerd running?).",
        "cannot reach the Docker engine: /run/podman/podman.sock refused the connection"}) {
    auto fake = std::make_unique<test::FakeEngine>(Engine{});
    fake->fail_read(message);
    sources.push_back(std::move(fake));
  }
  const auto merged = merge_engines(endpoints, std::move(sources), {})->read();
  REQUIRE_FALSE(merged);
  CHECK(merged.error().message ==
        "cannot reach the Docker engine: /var/run/docker.sock refused the connection (is dockerd "
        "running?) (nor did the engine at /run/podman/podman.sock)");
}

TEST_CASE("a rootless engine is named with its user") {
  EngineIdentity rootless{"podman", "4.3.1", "1.41", "/run/user/1000/podman/podman.sock", true, 1000U, false};
  CHECK(describe(rootless) == "podman 4.3.1 (rootless, uid 1000)");
  rootless.kind = "docker";
  CHECK(describe(rootless) == "docker 4.3.1 (rootless, uid 1000)");
  Engine old;  // a snapshot of format 1: no `engines`
  old.product = "docker";
  old.version = "20.10.24+dfsg1";
  old.socket = "/var/run/docker.sock";
  REQUIRE(old.identities().size() == 1);
  CHECK(describe(old.identities().front()) == "docker 20.10.24+dfsg1");
  old.product = "none";  // --pid/--netns
  CHECK(old.identities().empty());
}

TEST_CASE("podman's files stand in only when no rootful podman API answers") {
  Engine files_engine;
  files_engine.product = "podman";
  files_engine.socket = "/var/lib/containers/storage";
  files_engine.engines = {{"podman", "", "", "/var/lib/containers/storage", false, 0U, true}};
  files_engine.unread = {{"podman's port bindings", "not read"}};
  Container c;
  c.id = std::string(64, 'd');
  c.name = "ondisk";
  files_engine.containers.push_back(c);

  SUBCASE("no API: the files are read, and the absent usual socket is no news") {
    std::vector<std::unique_ptr<EngineSource>> sources;
    auto absent = std::make_unique<test::FakeEngine>(Engine{});
    absent->fail_read("cannot reach the Docker engine: /var/run/docker.sock does not exist");
    sources.push_back(std::move(absent));
    const auto merged = merge_engines({{"/var/run/docker.sock", "default", std::nullopt}}, std::move(sources),
                                      {}, std::make_unique<test::FakeEngine>(files_engine))
                            ->read();
    REQUIRE_MESSAGE(merged, merged.error().message);
    REQUIRE(merged->engines.size() == 1);
    CHECK(merged->engines.front().from_files);
    REQUIRE(merged->containers.size() == 1);
    CHECK(merged->containers.front().engine == "/var/lib/containers/storage");
    REQUIRE(merged->unread.size() == 1);
    CHECK(merged->unread.front().source == "podman's port bindings");
  }
  SUBCASE("files without a container are no engine: the usual error stands") {
    files_engine.containers.clear();
    std::vector<std::unique_ptr<EngineSource>> sources;
    auto absent = std::make_unique<test::FakeEngine>(Engine{});
    absent->fail_read("cannot reach the Docker engine: /var/run/docker.sock does not exist");
    sources.push_back(std::move(absent));
    const auto merged = merge_engines({{"/var/run/docker.sock", "default", std::nullopt}}, std::move(sources),
                                      {}, std::make_unique<test::FakeEngine>(files_engine))
                            ->read();
    REQUIRE_FALSE(merged);
    CHECK(merged.error().message == "cannot reach the Docker engine: /var/run/docker.sock does not exist");
  }
  SUBCASE("the API answers: the files are not read") {
    Engine api;
    api.product = "podman";
    api.version = "4.3.1";
    std::vector<std::unique_ptr<EngineSource>> sources;
    sources.push_back(std::make_unique<test::FakeEngine>(api));
    auto files = std::make_unique<test::FakeEngine>(files_engine);
    files->fail_read("must not be read");
    const auto merged =
        merge_engines({{"/run/podman/podman.sock", "default", 0U}}, std::move(sources), {}, std::move(files))
            ->read();
    REQUIRE_MESSAGE(merged, merged.error().message);
    REQUIRE(merged->engines.size() == 1);
    CHECK_FALSE(merged->engines.front().from_files);
    CHECK(merged->unread.empty());
  }
}

TEST_SUITE_END();

TEST_SUITE_BEGIN("engine_discovery_rootless_files");

TEST_CASE("rootless podman's database is found for every user with a runtime dir, or the user's own") {
  FakeHost host;
  host.uids = {1000, 1001, 1002};
  host.homes = {{1000, "/home/a"}, {1001, "/home/b"}};
  host.files["/home/b/.local/share/containers/storage/libpod/bolt_state.db"] = "";
  auto found = discover_engines(host, std::nullopt);
  REQUIRE(found);
  REQUIRE(found->podman_user_files.size() == 1);
  CHECK(found->podman_user_files.front().uid == 1001);
  CHECK(found->podman_user_files.front().home == "/home/b");

  host.root = false;
  host.user_uid = 1000;
  CHECK(discover_engines(host, std::nullopt)->podman_user_files.empty());  // not this user's
  host.user_uid = 1001;
  CHECK(discover_engines(host, std::nullopt)->podman_user_files.size() == 1);
  CHECK(discover_engines(host, std::string("/tmp/x.sock"))->podman_user_files.empty());  // --engine: only it
}

TEST_CASE("a user's podman files stand in only when that user's podman API does not answer") {
  Engine files_engine;
  files_engine.product = "podman";
  files_engine.engines = {{"podman", "", "", "/home/b/.local/share/containers/storage", true, 1001U, true}};
  Container c;
  c.id = std::string(64, 'e');
  c.name = "rl";
  files_engine.containers.push_back(c);

  const auto merge = [&](unsigned api_owner) {
    Engine api;
    api.product = "podman";
    api.version = "4.3.1";
    std::vector<std::unique_ptr<EngineSource>> sources;
    sources.push_back(std::make_unique<test::FakeEngine>(api));
    std::vector<EngineFiles> files;
    files.push_back(
        {std::make_unique<test::FakeEngine>(files_engine), 1001U, "/home/b/.local/share/containers/storage"});
    std::vector<EngineEndpoint> endpoints{
        {fmt::format("/run/user/{}/podman/podman.sock", api_owner), "default", api_owner}};
    return merge_engines(std::move(endpoints), std::move(sources), {}, std::move(files))->read();
  };
  const auto other = merge(1000);  // another user's API: this user's files are read
  REQUIRE(other);
  CHECK(other->engines.size() == 2);
  REQUIRE(other->containers.size() == 1);
  CHECK(other->containers.front().engine_kind == "podman");
  const auto same = merge(1001);  // the user's own API answers: its files are not read
  REQUIRE(same);
  CHECK(same->engines.size() == 1);
  CHECK(same->containers.empty());
}

TEST_SUITE_END();

TEST_CASE("root's engines are authoritative: a user's engine that claims their container is not believed") {
  Engine root;
  root.product = "docker";
  root.version = "20.10.24+dfsg1";
  root.socket = "/var/run/docker.sock";
  Container web;
  web.id = std::string(64, 'a');
  web.name = "web";
  root.containers.push_back(web);
  Engine user = root;  // the same id and name, from a user's socket
  user.socket = "/run/user/1001/docker.sock";
  Container own;
  own.id = std::string(64, 'e');
  own.name = "mine";
  user.containers.push_back(own);
  Container named_like_root;
  named_like_root.id = std::string(64, 'f');
  named_like_root.name = "web";
  user.containers.push_back(named_like_root);

  // The user's socket is found first (a docker context, say): root's still win.
  const std::vector<EngineEndpoint> endpoints{{"/run/user/1001/docker.sock", "docker context u", 1001U},
                                              {"/var/run/docker.sock", "default", 0U}};
  std::vector<std::unique_ptr<EngineSource>> sources;
  sources.push_back(std::make_unique<test::FakeEngine>(user));
  sources.push_back(std::make_unique<test::FakeEngine>(root));
  const auto merged = merge_engines(endpoints, std::move(sources), {})->read();
  REQUIRE_MESSAGE(merged, merged.error().message);
  REQUIRE(merged->containers.size() == 2);
  CHECK(merged->containers[0].id == web.id);
  CHECK(merged->containers[0].engine_uid == 0U);
  CHECK(merged->containers[1].id == own.id);
  CHECK(merged->containers[1].engine_uid == 1001U);
  REQUIRE(merged->not_believed.size() == 2);
  CHECK(merged->not_believed[0].uid == 1001U);
  CHECK(merged->not_believed[0].engine == "/run/user/1001/docker.sock");
  CHECK(merged->not_believed[0].claim.find("container `web`") != std::string::npos);
  // Root's name stays unambiguous.
  CHECK(look_up_container(*merged, "web").found == &merged->containers[0]);
}

TEST_CASE("--no-user-engines: root leaves out every user's socket and files") {
  FakeHost host;
  host.uids = {1001};
  host.socket("/var/run/docker.sock");
  host.socket("/run/user/1001/docker.sock", 1001);
  host.homes[1001] = "/home/u";
  host.files["/home/u/.local/share/containers/storage/libpod/bolt_state.db"] = "";
  const auto all = discover_engines(host, std::nullopt);
  REQUIRE(all);
  CHECK(all->endpoints.size() == 2);
  CHECK(all->podman_user_files.size() == 1);
  const auto root_only = discover_engines(host, std::nullopt, /*user_engines=*/false);
  REQUIRE(root_only);
  REQUIRE(root_only->endpoints.size() == 1);
  CHECK(root_only->endpoints.front().path == "/var/run/docker.sock");
  CHECK(root_only->podman_user_files.empty());
}

TEST_CASE("no engine anywhere is a host like any other, and says every place looked") {
  const auto absent_docker = [] {
    std::vector<std::unique_ptr<EngineSource>> sources;
    auto absent = std::make_unique<test::FakeEngine>(Engine{});
    absent->fail_read(
        "cannot reach the Docker engine: /var/run/docker.sock does not exist (is dockerd running?)", ENOENT);
    sources.push_back(std::move(absent));
    return sources;
  };
  const std::vector<std::string> looked{"/var/run/docker.sock", "/run/podman/podman.sock",
                                        "/run/user/1000/docker.sock"};
  const std::vector<EngineEndpoint> by_default{{"/var/run/docker.sock", "default", std::nullopt}};
  const auto merged =
      merge_engines(by_default, absent_docker(), {}, std::vector<EngineFiles>{}, looked)->read();
  REQUIRE(merged);
  CHECK(merged->product == "none");
  CHECK(merged->containers.empty());
  CHECK(merged->engines.empty());
  CHECK(merged->absent ==
        "no container engine runs on this host: whyno-port looked for /var/run/docker.sock, "
        "/run/podman/podman.sock and /run/user/1000/docker.sock");
  // The engine the user named (--engine, DOCKER_HOST) missing is an error:
  // the answer would be about another host than the one meant.
  const std::vector<EngineEndpoint> named{{"/var/run/docker.sock", "--engine", std::nullopt}};
  const auto missing =
      merge_engines(named, absent_docker(), {}, std::vector<EngineFiles>{}, {"/var/run/docker.sock"})->read();
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("does not exist") != std::string::npos);
}
