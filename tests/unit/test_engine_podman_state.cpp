// podman's state files, recorded from rootful podman 4.3.1 on this
// project's machine (tests/fixtures/engine/podman/ondisk-net), read without
// the API into the same facts the API gives.

#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <set>

#include "engine/podman_state.hpp"
#include "fixtures.hpp"

using namespace whyno;
using namespace whyno::engine;

namespace {

constexpr const char* k_net_id = "d6b3201af523582c4dee09da477cd73cb0300b9769e8118dabd9127e56415d56";
constexpr const char* k_def_id = "b8a1b688b5af0a2a0bf2736f31f7f6ea0537b7de88852096f94cc0a8535110b4";

std::string fixture(const std::string& name) {
  return test::fixture_text("engine/podman/ondisk-net/" + name);
}

/// The host's files as recorded: the paths podman uses, each a fixture.
StateFiles recorded_files(std::set<int> alive = {28630, 28699}) {
  std::map<std::string, std::string> files;
  files["/var/lib/containers/storage/overlay-containers/containers.json"] = fixture("containers.json");
  files["/etc/containers/networks/wpdisk.json"] = fixture("networks_wpdisk.json");
  files["/run/containers/networks/aardvark-dns/wpdisk"] = fixture("aardvark-dns_wpdisk");
  for (const auto& [name, id] : {std::pair{"wpd-net", k_net_id}, std::pair{"wpd-def", k_def_id}}) {
    const std::string static_dir =
        std::string("/var/lib/containers/storage/overlay-containers/") + id + "/userdata/";
    const std::string run_dir =
        std::string("/run/containers/storage/overlay-containers/") + id + "/userdata/";
    files[static_dir + "config.json"] = fixture(std::string("oci_config_") + name + ".json");
    files[run_dir + "pidfile"] = fixture(std::string("userdata_") + name + "_pidfile");
    files[run_dir + "hosts"] = fixture(std::string("userdata_") + name + "_hosts");
  }
  StateFiles state;
  state.read = [files](const std::string& path) -> Result<std::string> {
    const auto it = files.find(path);
    if (it == files.end()) {
      return fail(Error::Kind::not_found, path + ": no such file");
    }
    return it->second;
  };
  state.list = [files](const std::string& dir) {
    std::vector<std::string> names;
    for (const auto& [path, text] : files) {
      if (path.starts_with(dir + "/") && path.find('/', dir.size() + 1) == std::string::npos) {
        names.push_back(path.substr(dir.size() + 1));
      }
    }
    return names;
  };
  state.alive = [alive](int pid) { return alive.contains(pid); };
  return state;
}

const Container& named(const Engine& engine, const std::string& name) {
  const auto it = std::find_if(engine.containers.begin(), engine.containers.end(),
                               [&](const Container& c) { return c.name == name; });
  REQUIRE(it != engine.containers.end());
  return *it;
}

}  // namespace

TEST_SUITE_BEGIN("engine_podman_state");

TEST_CASE("the recorded files parse") {
  const auto stored = parse_storage_containers(fixture("containers.json"));
  REQUIRE(stored);
  REQUIRE(stored->size() == 2);
  CHECK(stored->front().id == k_net_id);
  CHECK(stored->front().name == "wpd-net");
  CHECK(stored->front().image == "localhost/whyno-test:latest");

  const auto spec = parse_oci_spec(fixture("oci_config_wpd-net.json"));
  REQUIRE(spec);
  CHECK(spec->network_namespace);
  CHECK(spec->netns_path.starts_with("/run/netns/netns-"));
  CHECK(spec->hosts_path ==
        std::string("/run/containers/storage/overlay-containers/") + k_net_id + "/userdata/hosts");
  CHECK(spec->libpod);

  CHECK(parse_pidfile(fixture("userdata_wpd-net_pidfile")) == 28630);
  CHECK(parse_pidfile("12\n") == 12);
  CHECK_FALSE(parse_pidfile("x"));
  CHECK_FALSE(parse_pidfile(""));

  const PodmanHosts hosts = parse_podman_hosts(fixture("userdata_wpd-def_hosts"), "wpd-def");
  REQUIRE(hosts.own.size() == 1);
  CHECK(hosts.own.front().to_string() == "10.88.0.13");
  CHECK(hosts.gateway->to_string() == "10.88.0.1");

  const AardvarkNetwork dns = parse_aardvark(fixture("aardvark-dns_wpdisk"));
  CHECK(dns.gateway->to_string() == "10.89.0.1");
  REQUIRE(dns.entries.size() == 1);
  CHECK(dns.entries.front().id == k_net_id);
  CHECK(dns.entries.front().addresses.front().to_string() == "10.89.0.3");
  CHECK(dns.entries.front().names == std::vector<std::string>{"wpd-net", "d6b3201af523"});

  const auto network = parse_netavark_network(fixture("networks_wpdisk.json"));
  REQUIRE(network);
  CHECK(network->name == "wpdisk");
  CHECK(network->options.at("com.docker.network.bridge.name") == "podman1");
  CHECK(network->subnets.front().to_string() == "10.89.0.0/24");
  CHECK_FALSE(parse_netavark_network("[]"));
  CHECK_FALSE(parse_storage_containers("{"));
  CHECK_FALSE(parse_storage_containers(R"({"id":"x"})"));
}

TEST_CASE("rootful podman without its API: containers, addresses and networks from its files") {
  const auto engine = read_podman_state(recorded_files());
  REQUIRE_MESSAGE(engine, engine.error().message);
  CHECK(engine->product == "podman");
  REQUIRE(engine->engines.size() == 1);
  CHECK(engine->engines.front().from_files);
  CHECK(describe(engine->engines.front()) == "podman (rootful, read from its files: no API answered)");
  REQUIRE(engine->unread.size() == 1);
  CHECK(engine->unread.front().reason.find("bolt_state.db") != std::string::npos);

  const Container& net = named(*engine, "wpd-net");
  CHECK(net.state.running);
  CHECK(net.state.pid == 28630);
  CHECK(net.network_mode == "bridge");
  REQUIRE(net.networks.size() == 1);
  CHECK(net.networks.front().name == "wpdisk");
  CHECK(net.networks.front().ipv4->to_string() == "10.89.0.3");
  CHECK(net.networks.front().ipv4_prefix_len == 24);
  CHECK(net.networks.front().gateway->to_string() == "10.89.0.1");
  CHECK(net.intended.empty());  // port bindings live in BoltDB only

  const Container& def = named(*engine, "wpd-def");
  REQUIRE(def.networks.size() == 1);
  CHECK(def.networks.front().name == "podman");  // no DNS: from its hosts file and the default subnet
  CHECK(def.networks.front().ipv4->to_string() == "10.88.0.13");
  CHECK(def.networks.front().ipv4_prefix_len == 16);

  CHECK(std::any_of(engine->networks.begin(), engine->networks.end(),
                    [](const Network& n) { return n.name == "wpdisk"; }));
  CHECK(engine->networks.front().name == "podman");

  const auto stopped = read_podman_state(recorded_files({}));
  REQUIRE(stopped);
  CHECK_FALSE(named(*stopped, "wpd-net").state.running);
  CHECK(named(*stopped, "wpd-net").state.status == "exited");
  CHECK(named(*stopped, "wpd-net").state.pid == 0);
}

TEST_CASE("no podman state: not_found, which the merged engines take as no news") {
  StateFiles none;
  none.read = [](const std::string& path) -> Result<std::string> {
    return fail(Error::Kind::not_found, path + ": no such file");
  };
  none.list = [](const std::string&) { return std::vector<std::string>(); };
  none.alive = [](int) { return false; };
  const auto engine = read_podman_state(none);
  REQUIRE_FALSE(engine);
  CHECK(engine.error().kind == Error::Kind::not_found);
}

TEST_SUITE_END();
