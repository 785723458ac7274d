// read_engine against a fake engine on a temporary unix socket that answers
// with the recorded fixtures, so the conversation (negotiation, concurrency,
// vanished containers, errors) is tested without a live dockerd.

#include <doctest/doctest.h>

#include "fixtures.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "engine/engine_reader.hpp"
#include "engine/http_unix.hpp"
#include "whyno/sys/fd.hpp"

using namespace whyno;
using namespace whyno::engine;

namespace {

std::string engine_fixture(const std::string& name) { return whyno::test::fixture_text("engine/" + name); }

struct Reply {
  int status = 200;
  std::string body;
  std::string extra_headers;  // "Name: value\r\n" lines
  std::chrono::milliseconds delay{0};
};

Reply reply(int status, std::string body, std::string extra_headers = {}) {
  Reply r;
  r.status = status;
  r.body = std::move(body);
  r.extra_headers = std::move(extra_headers);
  return r;
}

std::string temp_dir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "whyno-engine-XXXXXX").string();
  REQUIRE(mkdtemp(pattern.data()) != nullptr);
  return pattern;
}

sockaddr_un unix_address(const std::string& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  REQUIRE(path.size() < sizeof address.sun_path);
  std::memcpy(address.sun_path, path.c_str(), path.size() + 1);
  return address;
}

/// A minimal HTTP/1.1 server with keep-alive: one thread per connection.
class FakeEngine {
 public:
  using Handler = std::function<Reply(const std::string& path)>;

  explicit FakeEngine(Handler handler, bool listening = true)
      : m_dir(temp_dir()), m_path(m_dir + "/engine.sock"), m_handler(std::move(handler)) {
    m_listener = sys::Fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    REQUIRE(m_listener);
    const sockaddr_un address = unix_address(m_path);
    REQUIRE(::bind(m_listener.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
    if (listening) {
      REQUIRE(::listen(m_listener.get(), 16) == 0);
      m_acceptor = std::thread([this] { accept_loop(); });
    }
  }

  ~FakeEngine() {
    m_stop = true;
    if (m_acceptor.joinable()) {
      m_acceptor.join();
    }
    for (auto& connection : m_connections) {
      connection.join();
    }
    std::filesystem::remove_all(m_dir);
  }

  FakeEngine(const FakeEngine&) = delete;
  FakeEngine& operator=(const FakeEngine&) = delete;

  const std::string& path() const { return m_path; }
  std::vector<std::string> requests() {
    std::lock_guard lock(m_mutex);
    return m_requests;
  }
  int connections() const { return m_accepted; }

 private:
  static bool wait_readable(int fd, const std::atomic<bool>& stop) {
    while (!stop) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 20) > 0) {
        return true;
      }
    }
    return false;
  }

  void accept_loop() {
    while (wait_readable(m_listener.get(), m_stop)) {
      const int fd = ::accept4(m_listener.get(), nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) {
        ++m_accepted;
        m_connections.emplace_back([this, fd] { serve(sys::Fd(fd)); });
      }
    }
  }

  void serve(sys::Fd fd) {
    std::string buffer;
    while (wait_readable(fd.get(), m_stop)) {
      char chunk[4096];
      const ssize_t n = ::recv(fd.get(), chunk, sizeof chunk, 0);
      if (n <= 0) {
        return;
      }
      buffer.append(chunk, static_cast<std::size_t>(n));
      for (auto end = buffer.find("\r\n\r\n"); end != std::string::npos; end = buffer.find("\r\n\r\n")) {
        const std::string request = buffer.substr(0, end);
        buffer.erase(0, end + 4);
        const auto first_space = request.find(' ');
        const auto second_space = request.find(' ', first_space + 1);
        const std::string path = request.substr(first_space + 1, second_space - first_space - 1);
        {
          std::lock_guard lock(m_mutex);
          m_requests.push_back(path);
        }
        const Reply reply = m_handler(path);
        std::this_thread::sleep_for(reply.delay);
        const std::string response =
            "HTTP/1.1 " + std::to_string(reply.status) +
            " X\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(reply.body.size()) +
            "\r\n" + reply.extra_headers + "\r\n" + reply.body;
        if (::send(fd.get(), response.data(), response.size(), MSG_NOSIGNAL) < 0) {
          return;
        }
      }
    }
  }

  std::string m_dir;
  std::string m_path;
  Handler m_handler;
  sys::Fd m_listener;
  std::atomic<bool> m_stop{false};
  std::atomic<int> m_accepted{0};
  std::mutex m_mutex;
  std::vector<std::string> m_requests;
  std::thread m_acceptor;
  std::vector<std::thread> m_connections;  // touched only by the acceptor until it ends
};

constexpr const char* k_web_id = "bf8ab1ec98ecb8c0cc57d49c73eb834984988bb703b232117a787619bd9b0c24";
constexpr const char* k_api_id = "5f4f76d0f074980fe7cc5d5159a2a7373d356ddfd57156a7a5cf1f5a2500c1b0";
constexpr const char* k_gone_id = "0000000000000000000000000000000000000000000000000000000000000000";

const std::string k_docker_ping = "Api-Version: 1.41\r\nServer: Docker/20.10.24+dfsg1 (linux)\r\n";

/// The recorded engine: engine-web, engine-api and one container that is
/// removed between list and inspect.
Reply recorded_engine(const std::string& path, const std::string& ping_headers = k_docker_ping,
                      const std::string& prefix = "/v1.41") {
  if (path == "/_ping") {
    return reply(200, "OK", ping_headers);
  }
  if (path == prefix + "/containers/json?all=1") {
    return reply(200, std::string("[{\"Id\":\"") + k_web_id + "\"},{\"Id\":\"" + k_gone_id +
                          "\"},{\"Id\":\"" + k_api_id + "\"}]");
  }
  if (path == prefix + "/containers/" + k_web_id + "/json") {
    return reply(200, engine_fixture("inspect_web.json"));
  }
  if (path == prefix + "/containers/" + k_api_id + "/json") {
    return reply(200, engine_fixture("inspect_api.json"));
  }
  if (path == prefix + "/networks") {
    return reply(200, engine_fixture("networks.json"));
  }
  if (path == prefix + "/info") {
    return reply(200, engine_fixture("info_docker29_synthetic.json"));
  }
  if (path == prefix + "/version") {
    return reply(200, engine_fixture("version.json"));
  }
  return reply(404, engine_fixture("not_found.json"));
}

EngineReadOptions test_options(const char* daemon_json = "typical.json") {
  EngineReadOptions options;
  options.daemon_config_path = whyno::test::fixture_path(std::string("engine/daemon/") + daemon_json);
  return options;
}

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::ranges::find(list, item) != list.end();
}

}  // namespace

TEST_SUITE_BEGIN("engine_engine_reader");

TEST_CASE("a whole conversation with the recorded engine") {
  FakeEngine fake([](const std::string& path) { return recorded_engine(path); });
  const auto engine = read_engine(fake.path(), test_options());
  REQUIRE_MESSAGE(engine, engine.error().message);
  CHECK(engine->product == "docker");
  CHECK(engine->version == "20.10.24+dfsg1");
  CHECK(engine->api_version == "1.41");
  CHECK(engine->socket == fake.path());
  // In list order, without the container that vanished (404 on inspect).
  REQUIRE(engine->containers.size() == 2);
  CHECK(engine->containers[0].name == "engine-web");
  CHECK(engine->containers[1].name == "engine-api");
  CHECK(engine->networks.size() == 4);
  CHECK(engine->warnings.size() == 2);
  CHECK(engine->config.read);
  CHECK_FALSE(engine->config.userland_proxy);
  CHECK(engine->config.firewall_backend == "nftables");  // /info beats the file

  const auto requests = fake.requests();
  CHECK(requests.front() == "/_ping");
  CHECK_FALSE(contains(requests, "/v1.41/version"));  // the Server header named it
  CHECK(contains(requests, std::string("/v1.41/containers/") + k_gone_id + "/json"));
  CHECK(requests.size() == 7);
  // Kept alive: far fewer connections than requests.
  CHECK(fake.connections() <= 6);
}

TEST_CASE("read_info=false skips /info") {
  FakeEngine fake([](const std::string& path) { return recorded_engine(path); });
  EngineReadOptions options = test_options();
  options.read_info = false;
  const auto engine = read_engine(fake.path(), options);
  REQUIRE_MESSAGE(engine, engine.error().message);
  CHECK(engine->warnings.empty());
  CHECK(engine->containers.size() == 2);
  CHECK_FALSE(contains(fake.requests(), "/v1.41/info"));
}

TEST_CASE("a Docker 29 engine is spoken to in our newest version") {
  const std::string ping = "Api-Version: 1.55\r\nServer: Docker/29.7.2 (linux)\r\n";
  FakeEngine fake([&](const std::string& path) { return recorded_engine(path, ping, "/v1.52"); });
  const auto engine = read_engine(fake.path(), test_options("absent.json"));
  REQUIRE_MESSAGE(engine, engine.error().message);
  CHECK(engine->api_version == "1.52");
  CHECK(engine->version == "29.7.2");
  CHECK(engine->containers.size() == 2);
  CHECK_FALSE(engine->config.read);
  CHECK(engine->config.ip6tables);  // the default from 27.0
}

TEST_CASE("an engine too old, or with no version at all, is refused in one sentence") {
  for (const char* version : {"1.12", "0.0", "banana"}) {
    INFO(version);
    FakeEngine fake([&](const std::string& path) {
      return recorded_engine(path, std::string("Api-Version: ") + version + "\r\n");
    });
    const auto engine = read_engine(fake.path(), test_options());
    REQUIRE_FALSE(engine);
    CHECK(engine.error().kind == Error::Kind::unsupported);
    CHECK(engine.error().message.find(version) != std::string::npos);
    CHECK(fake.requests() == std::vector<std::string>{"/_ping"});  // no /v1.12/... request
  }
}

TEST_CASE("a ping without Api-Version: the unversioned /version says it") {
  FakeEngine fake([](const std::string& path) {
    if (path == "/version") {
      return reply(200, engine_fixture("version.json"));
    }
    return recorded_engine(path, "Server: Docker/20.10.24+dfsg1 (linux)\r\n");
  });
  const auto engine = read_engine(fake.path(), test_options());
  REQUIRE_MESSAGE(engine, engine.error().message);
  CHECK(engine->api_version == "1.41");

  FakeEngine silent([](const std::string& path) {
    return path == "/_ping" ? reply(200, "OK") : reply(404, engine_fixture("not_found.json"));
  });
  const auto refused = read_engine(silent.path(), test_options());
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message ==
        "the engine at " + silent.path() + " did not say which Engine API version it speaks");
}

TEST_CASE("Podman is told apart by Libpod-Api-Version; daemon.json is not its file") {
  const std::string ping =
      "Api-Version: 1.41\r\nLibpod-Api-Version: 5.4.2\r\nServer: Libpod/5.4.2 (linux)\r\n";
  FakeEngine fake([&](const std::string& path) { return recorded_engine(path, ping); });
  const auto engine = read_engine(fake.path(), test_options());
  REQUIRE_MESSAGE(engine, engine.error().message);
  CHECK(engine->product == "podman");
  CHECK(engine->version == "5.4.2");
  CHECK_FALSE(engine->config.read);
}

TEST_CASE("a ping with neither Api-Version nor Libpod-Api-Version: podman's /version says it") {
  FakeEngine fake([](const std::string& path) {
    if (path == "/version") {
      return reply(200, engine_fixture("podman/version.json"));
    }
    return recorded_engine(path, "Server: Libpod/4.3.1 (linux)\r\n");
  });
  const auto engine = read_engine(fake.path(), test_options());
  REQUIRE_MESSAGE(engine, engine.error().message);
  CHECK(engine->product == "podman");
  CHECK(engine->api_version == "1.41");
}

TEST_CASE("without a Server header the version comes from /version") {
  FakeEngine fake([](const std::string& path) { return recorded_engine(path, "Api-Version: 1.41\r\n"); });
  const auto engine = read_engine(fake.path(), test_options());
  REQUIRE_MESSAGE(engine, engine.error().message);
  CHECK(engine->version == "20.10.24+dfsg1");
  CHECK(contains(fake.requests(), "/v1.41/version"));
}

TEST_CASE("a failing /info costs only the warnings; a failing /networks is an error") {
  SUBCASE("info") {
    FakeEngine fake([](const std::string& path) {
      return path == "/v1.41/info" ? reply(500, R"({"message":"boom"})") : recorded_engine(path);
    });
    const auto engine = read_engine(fake.path(), test_options());
    REQUIRE_MESSAGE(engine, engine.error().message);
    CHECK(engine->warnings.empty());
    CHECK(engine->containers.size() == 2);
  }
  SUBCASE("networks") {
    FakeEngine fake([](const std::string& path) {
      return path == "/v1.41/networks" ? reply(500, R"({"message":"boom."})") : recorded_engine(path);
    });
    const auto engine = read_engine(fake.path(), test_options());
    REQUIRE_FALSE(engine);
    CHECK(engine.error().kind == Error::Kind::unavailable);
    CHECK(engine.error().message == "the Docker engine refused GET /v1.41/networks (HTTP 500: boom)");
  }
  SUBCASE("malformed list") {
    FakeEngine fake([](const std::string& path) {
      return path == "/v1.41/containers/json?all=1" ? reply(200, "{\"oops\"") : recorded_engine(path);
    });
    const auto engine = read_engine(fake.path(), test_options());
    REQUIRE_FALSE(engine);
    CHECK(engine.error().kind == Error::Kind::invalid);
    CHECK(engine.error().message.find("GET /containers/json") != std::string::npos);
  }
}

TEST_CASE("no socket file") {
  const std::string dir = temp_dir();
  const auto engine = read_engine(dir + "/docker.sock", test_options());
  std::filesystem::remove_all(dir);
  REQUIRE_FALSE(engine);
  CHECK(engine.error().kind == Error::Kind::unavailable);
  CHECK(engine.error().message ==
        "cannot reach the Docker engine: " + dir + "/docker.sock does not exist (is dockerd running?)");
}

TEST_CASE("a socket nobody listens on") {
  FakeEngine fake([](const std::string&) { return Reply{}; }, false);
  const auto engine = read_engine(fake.path(), test_options());
  REQUIRE_FALSE(engine);
  CHECK(engine.error().kind == Error::Kind::unavailable);
  CHECK(engine.error().message ==
        "cannot reach the Docker engine: nothing listens on " + fake.path() + " (is dockerd running?)");
}

TEST_CASE("an engine that does not answer times out") {
  FakeEngine fake([](const std::string& path) {
    Reply reply = recorded_engine(path);
    reply.delay = std::chrono::milliseconds(400);
    return reply;
  });
  EngineReadOptions options = test_options();
  options.limits.total = std::chrono::milliseconds(150);
  const auto started = std::chrono::steady_clock::now();
  const auto engine = read_engine(fake.path(), options);
  const auto elapsed = std::chrono::steady_clock::now() - started;
  REQUIRE_FALSE(engine);
  CHECK(engine.error().kind == Error::Kind::unavailable);
  CHECK(engine.error().message.find(
            " accepted the connection but sent no response to GET /_ping within 0.") != std::string::npos);
  CHECK(elapsed < std::chrono::milliseconds(390));
}

TEST_CASE("http client: many concurrent requests come back once each") {
  FakeEngine fake([](const std::string& path) { return reply(200, path); });
  HttpUnixClient client(fake.path());
  std::vector<HttpUnixClient::Ticket> tickets;
  for (int i = 0; i < 20; ++i) {
    tickets.push_back(client.start("/r/" + std::to_string(i)));
  }
  int done = 0;
  while (auto result = client.next()) {
    REQUIRE(result->second);
    CHECK(result->second->status == 200);
    CHECK(result->second->body == "/r/" + std::to_string(result->first - tickets.front()));
    CHECK(result->second->headers.starts_with("HTTP/1.1 200"));
    ++done;
  }
  CHECK(done == 20);
  CHECK(fake.connections() <= 6);
  const auto after = client.get("/again");
  REQUIRE(after);
  CHECK(after->body == "/again");
}

TEST_CASE("rootful podman 4.3.1, as recorded: its compatible API in one conversation") {
  // The recorded ping's headers, less what the fake server writes itself.
  std::string ping;
  std::istringstream lines(engine_fixture("podman/ping.headers"));
  for (std::string line; std::getline(lines, line);) {
    if (!line.starts_with("HTTP/") && !line.starts_with("Content-") && line != "\r") {
      ping += line + "\n";
    }
  }
  const std::map<std::string, std::string> inspects = {
      {"8c924a4137c2f697b51fbe719335117357d0f8d2d418c05c099036c7ae012225", "containers_inspect_lo.json"},
      {"7a7839facbc0bec1b50c77c5a5ab8ff7acc4c57cbdd1490cf02781b3d646d5d1", "containers_inspect_any.json"},
      {"3a8746af377d4bf85ae0a7c7ff364d9b0e2c0038bffda2636ae9b9f2462b0f82",
       "containers_inspect_default_net.json"}};
  FakeEngine fake([&](const std::string& path) {
    if (path == "/_ping") {
      return reply(200, "OK", ping);
    }
    if (path == "/v1.41/containers/json?all=1") {
      return reply(200, engine_fixture("podman/containers_json.json"));
    }
    if (path == "/v1.41/networks") {
      return reply(200, engine_fixture("podman/networks.json"));
    }
    for (const auto& [id, file] : inspects) {
      if (path == "/v1.41/containers/" + id + "/json") {
        return reply(200, engine_fixture("podman/" + file));
      }
    }
    return reply(404, engine_fixture("podman/containers_inspect_not_found.json"));
  });
  const auto engine = read_engine(fake.path(), test_options());
  REQUIRE_MESSAGE(engine, engine.error().message);
  CHECK(engine->product == "podman");
  CHECK(engine->version == "4.3.1");
  CHECK(engine->api_version == "1.41");
  CHECK_FALSE(engine->config.read);                          // /etc/docker/daemon.json is not podman's
  CHECK_FALSE(contains(fake.requests(), "/v1.41/version"));  // the Server header said it
  REQUIRE(engine->containers.size() == 3);  // wp-cli's inspect was not recorded: a 404, skipped
  const auto named = [&](const std::string& name) -> const Container& {
    const auto it = std::find_if(engine->containers.begin(), engine->containers.end(),
                                 [&](const Container& c) { return c.name == name; });
    REQUIRE(it != engine->containers.end());
    return *it;
  };
  const Container& lo = named("wp-lo");
  CHECK(lo.state.running);
  CHECK(lo.state.pid > 0);
  CHECK(lo.network_mode == "bridge");  // podman says bridge for user networks too
  CHECK(lo.sandbox_key.starts_with("/run/netns/netns-"));
  CHECK(lo.hosts_path.ends_with("/userdata/hosts"));
  REQUIRE(lo.intended.size() == 1);
  CHECK(lo.intended.front().host_ip.empty());  // podman: "", Docker: "0.0.0.0"
  CHECK(lo.intended.front().host_port == 18081);
  CHECK(lo.intended.front().container_port == 3000);
  REQUIRE(lo.networks.size() == 1);
  CHECK(lo.networks.front().name == "wpnet");
  CHECK(lo.networks.front().network_id == "wpnet");  // the name, not a hex id
  CHECK(lo.networks.front().ipv4->to_string() == "10.89.0.2");
  CHECK(lo.networks.front().gateway->to_string() == "10.89.0.1");
  CHECK(contains(lo.networks.front().aliases, "api-alias"));
  const Container& def = named("wp-def");
  REQUIRE(def.networks.size() == 1);
  CHECK(def.networks.front().name == "podman");
  // The compat list calls podman's default network "bridge".
  REQUIRE(engine->networks.size() == 2);
  CHECK(std::any_of(engine->networks.begin(), engine->networks.end(),
                    [](const Network& n) { return n.name == "wpnet" && n.driver == "bridge"; }));
}

TEST_SUITE_END();
