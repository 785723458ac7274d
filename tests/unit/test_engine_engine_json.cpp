#include <doctest/doctest.h>

#include "fixtures.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "engine/engine_json.hpp"
#include "fake_sources.hpp"

using namespace whyno;
using namespace whyno::engine;

namespace {

std::string engine_fixture(const std::string& name) { return whyno::test::fixture_text("engine/" + name); }

Container inspect(const std::string& name) {
  auto c = parse_container(engine_fixture(name));
  REQUIRE_MESSAGE(c.has_value(), c.error().message);
  return *c;
}

IpAddress ip(const char* text) { return *IpAddress::parse(text); }

}  // namespace

TEST_SUITE_BEGIN("engine_engine_json");

TEST_CASE("ping headers: Docker 20.10, Docker 29 and Podman") {
  const auto docker = parse_ping_headers(engine_fixture("ping.headers"));
  CHECK(docker.api_version == "1.41");
  CHECK(docker.server == "Docker/20.10.24+dfsg1 (linux)");
  CHECK_FALSE(docker.is_podman());

  const auto docker29 = parse_ping_headers(engine_fixture("ping_docker29_synthetic.headers"));
  CHECK(docker29.api_version == "1.52");
  CHECK_FALSE(docker29.is_podman());

  const auto podman = parse_ping_headers(engine_fixture("ping_podman_synthetic.headers"));
  CHECK(podman.is_podman());
  CHECK(podman.libpod_api_version == "5.4.2");
  CHECK(podman.api_version == "1.41");

  // Names are case-insensitive; a later response replaces an earlier one.
  const auto mixed = parse_ping_headers(
      "HTTP/1.1 100 Continue\r\napi-version: 1.12\r\n\r\n"
      "HTTP/1.1 200 OK\r\nAPI-VERSION:1.43 \r\n\r\n");
  CHECK(mixed.api_version == "1.43");
  CHECK(parse_ping_headers("").api_version.empty());
}

TEST_CASE("the API version is the lower of the engine's and ours") {
  const auto negotiate = [](std::string_view v) { return negotiate_api_version(v, "/run/e.sock"); };
  CHECK(*negotiate("1.41") == "1.41");  // Docker 20.10, podman 4
  CHECK(*negotiate("1.47") == "1.47");
  CHECK(*negotiate("1.52") == "1.52");   // Docker 29.0 (minimum 1.44)
  CHECK(*negotiate("1.55") == "1.52");   // Docker 29.7
  CHECK(*negotiate("1.100") == "1.52");  // compared as numbers, not text
  CHECK(*negotiate("2.0") == "1.52");
}

TEST_CASE("an API version we cannot speak is one sentence") {
  const auto negotiate = [](std::string_view v) { return negotiate_api_version(v, "/run/e.sock"); };
  CHECK(negotiate("1.12").error().message ==
        "the engine at /run/e.sock speaks Engine API 1.12, older than 1.41, the oldest whyno-port "
        "reads (Docker 20.10, podman 3)");
  CHECK(negotiate("1.9").error().message.find("speaks Engine API 1.9, older than 1.41") != std::string::npos);
  CHECK(negotiate("0.0").error().message.find("speaks Engine API 0.0") != std::string::npos);
  CHECK(negotiate("garbage").error().message ==
        "the engine at /run/e.sock reports API version 'garbage', which is not a version");
  CHECK(negotiate("1.").error().message.find("which is not a version") != std::string::npos);
  CHECK(negotiate("").error().message ==
        "the engine at /run/e.sock did not say which Engine API version it speaks");
  CHECK(negotiate("\x1b[2J9.9").error().message.find('\x1b') == std::string::npos);
}

TEST_CASE("container ids must look like ids before they go into a path") {
  CHECK(is_container_id("3f1c0d7e9a2b"));
  CHECK(is_container_id(std::string(64, 'a')));
  CHECK_FALSE(is_container_id("../../etc/passwd"));
  CHECK_FALSE(is_container_id("abc/def?x=1"));
  CHECK_FALSE(is_container_id("abc"));
  CHECK_FALSE(is_container_id(std::string(65, 'a')));
  const auto listed = parse_container_list(R"([{"Id": "../../../../etc/passwd"}])");
  REQUIRE_FALSE(listed);
  CHECK(listed.error().message ==
        "the engine's answer to GET /containers/json lists '../../../../etc/passwd', which is not "
        "a container id");
}

TEST_CASE("version") {
  const auto v = parse_version(engine_fixture("version.json"));
  REQUIRE(v);
  CHECK(v->version == "20.10.24+dfsg1");
  CHECK(v->api_version == "1.41");
  CHECK(v->min_api_version == "1.12");
  CHECK_FALSE(v->podman);
  CHECK(parse_version(R"({"Components":[{"Name":"Podman Engine"}],"Version":"5.4.2"})")->podman);
  CHECK_FALSE(parse_version("<html>"));
}

TEST_CASE("container list gives the full ids in order") {
  const auto listed = parse_container_list(engine_fixture("containers_list.json"));
  REQUIRE(listed);
  REQUIRE(listed->size() == 11);
  CHECK(listed->front().id == "c8dba93236d4960c507ac1db3253539608d655679b0d29c279ee61f3fbffe8de");
  for (const Container& c : *listed) {
    CHECK(c.id.size() == 64);
  }
  CHECK(parse_container_list("[]")->empty());
  // An id that is not one is an error, not a silently missing container.
  for (const char* bad : {R"([{"Id":"../info?x"}])", R"([{"Id":"ab12"}])", R"([{"Id":7}])", "[{}]"}) {
    INFO(bad);
    CHECK_FALSE(parse_container_list(bad));
  }
  const auto not_array = parse_container_list(R"({"message":"x"})");
  REQUIRE_FALSE(not_array);
  CHECK(not_array.error().kind == Error::Kind::invalid);
  CHECK(not_array.error().message.find("GET /containers/json") != std::string::npos);
}

TEST_CASE("the container list says what the inspect says of a running container on a bridge") {
  const auto listed = parse_container_list(engine_fixture("containers_list.json"));
  REQUIRE_MESSAGE(listed, listed.error().message);
  REQUIRE(listed->size() == 11);
  const std::map<std::string, std::string> inspects{
      {"engine-linked", "inspect_linked.json"}, {"engine-udp", "inspect_udp.json"},
      {"engine-web", "inspect_web.json"},       {"engine-api", "inspect_api_docker29_synthetic.json"},
      {"engine-paused", "inspect_paused.json"}, {"engine-none", "inspect_none.json"},
      {"engine-host", "inspect_host.json"}};
  int compared = 0;
  for (const Container& c : *listed) {
    INFO(c.name);
    CHECK_FALSE(c.inspected);
    CHECK(c.state.pid == 0);  // only the inspect has it
    const auto it = inspects.find(c.name);
    if (it == inspects.end()) {
      continue;
    }
    // The fake engine of the gather tests makes its list this way.
    const Container want = test::listed_summary(inspect(it->second));
    CHECK(c.id == want.id);
    CHECK(c.image == want.image);
    CHECK(c.state.status == want.state.status);
    CHECK(c.state.running == want.state.running);
    CHECK(c.state.paused == want.state.paused);
    CHECK(c.network_mode == want.network_mode);
    REQUIRE(c.actual.size() == want.actual.size());
    for (std::size_t i = 0; i < c.actual.size(); ++i) {
      CHECK(c.actual[i].protocol == want.actual[i].protocol);
      CHECK(c.actual[i].container_port == want.actual[i].container_port);
      CHECK(c.actual[i].host_ip == want.actual[i].host_ip);
      CHECK(c.actual[i].host_port == want.actual[i].host_port);
    }
    REQUIRE(c.networks.size() == want.networks.size());
    for (std::size_t i = 0; i < c.networks.size(); ++i) {
      CHECK(c.networks[i].name == want.networks[i].name);
      CHECK(c.networks[i].network_id == want.networks[i].network_id);
      CHECK(c.networks[i].ipv4 == want.networks[i].ipv4);
      CHECK(c.networks[i].ipv4_prefix_len == want.networks[i].ipv4_prefix_len);
      CHECK(c.networks[i].ipv6 == want.networks[i].ipv6);
      CHECK(c.networks[i].gateway == want.networks[i].gateway);
      CHECK(c.networks[i].aliases.empty());
    }
    CHECK(c.compose_project == want.compose_project);
    ++compared;
  }
  CHECK(compared == 7);
  // "Names" holds link names too; the container's own has no second slash.
  CHECK((*listed)[9].name == "engine-web");
  for (const char* bad : {R"([{"Id":"../info?x"}])", "[{}]", R"({"message":"x"})", "[1]"}) {
    INFO(bad);
    CHECK_FALSE(parse_container_list(bad));
  }
}

TEST_CASE("running container with -p 8080:3000 and --expose") {
  const Container c = inspect("inspect_web.json");
  CHECK(c.id == "bf8ab1ec98ecb8c0cc57d49c73eb834984988bb703b232117a787619bd9b0c24");
  CHECK(c.name == "engine-web");
  CHECK(c.image == "bb");
  CHECK(c.created == "2026-11-22T19:44:53.934676941Z");
  CHECK(c.hostname == "bf8ab1ec98ec");
  CHECK(c.state.status == "running");
  CHECK(c.state.running);
  CHECK(c.state.pid == 8643);
  CHECK(c.state.started_at == "2026-11-22T19:44:54.512742872Z");
  CHECK(c.network_mode == "default");
  CHECK_FALSE(c.publish_all);

  REQUIRE(c.intended.size() == 1);
  CHECK(c.intended[0].protocol == Protocol::tcp);
  CHECK(c.intended[0].container_port == 3000);
  CHECK(c.intended[0].host_ip.empty());
  CHECK(c.intended[0].host_port == 8080);

  // One binding per address family; 4000/udp is exposed only (null).
  REQUIRE(c.actual.size() == 2);
  CHECK(c.actual[0].host_ip == "0.0.0.0");
  CHECK(c.actual[1].host_ip == "::");
  CHECK(std::ranges::all_of(c.actual, [](const PortBinding& b) {
    return b.host_port == 8080 && b.container_port == 3000 && b.protocol == Protocol::tcp;
  }));

  REQUIRE(c.exposed.size() == 2);
  CHECK(c.exposed[0] == ExposedPort{Protocol::tcp, 3000});
  CHECK(c.exposed[1] == ExposedPort{Protocol::udp, 4000});

  REQUIRE(c.networks.size() == 1);
  const ContainerNetwork& n = c.networks[0];
  CHECK(n.name == "bridge");
  CHECK(n.network_id == "da29a00a7437fee5297a37be635f06a8f1d35adac105b1875dcf8da696851594");
  CHECK(n.ipv4 == ip("172.17.0.2"));
  CHECK(n.ipv4_prefix_len == 16);
  CHECK(n.gateway == ip("172.17.0.1"));
  CHECK_FALSE(n.ipv6);         // "" in the answer
  CHECK(n.aliases.empty());    // null in the answer
  CHECK(n.dns_names.empty());  // absent before API 1.44
  CHECK(c.sandbox_key == "/var/run/docker/netns/b25367bc9d1e");
  CHECK(c.links.empty());
}

TEST_CASE("UDP published on 127.0.0.1") {
  const Container c = inspect("inspect_udp.json");
  REQUIRE(c.intended.size() == 1);
  CHECK(c.intended[0].protocol == Protocol::udp);
  CHECK(c.intended[0].host_ip == "127.0.0.1");
  CHECK(c.intended[0].host_port == 8081);
  REQUIRE(c.actual.size() == 1);  // the image's 3000/tcp is exposed only
  CHECK(c.actual[0].protocol == Protocol::udp);
  CHECK(c.actual[0].host_ip == "127.0.0.1");
  CHECK(c.actual[0].host_port == 8081);
  CHECK(c.exposed.size() == 2);
}

TEST_CASE("user-defined network with an alias and IPv6") {
  const Container c = inspect("inspect_api.json");
  CHECK(c.network_mode == "engine-net");
  REQUIRE(c.networks.size() == 1);
  const ContainerNetwork& n = c.networks[0];
  CHECK(n.name == "engine-net");
  CHECK(n.ipv4 == ip("172.29.240.2"));
  CHECK(n.ipv4_prefix_len == 24);
  CHECK(n.ipv6 == ip("fd42:e17::2"));
  CHECK(n.gateway == ip("172.29.240.1"));
  CHECK(n.aliases == std::vector<std::string>{"api", "5f4f76d0f074"});
}

TEST_CASE("Docker 29 shape (synthetic): no top-level addresses, DNSNames") {
  const Container c = inspect("inspect_api_docker29_synthetic.json");
  REQUIRE(c.networks.size() == 1);
  const ContainerNetwork& n = c.networks[0];
  CHECK(n.ipv4 == ip("172.29.240.2"));
  CHECK(n.ipv6 == ip("fd42:e17::2"));
  CHECK(n.aliases == std::vector<std::string>{"api"});
  CHECK(n.dns_names == std::vector<std::string>{"engine-api", "api", "5f4f76d0f074"});
  CHECK(c.actual.size() == 2);
  CHECK(c.intended.size() == 1);
}

TEST_CASE("exited with a non-zero code") {
  const Container c = inspect("inspect_exited.json");
  CHECK(c.state.status == "exited");
  CHECK_FALSE(c.state.running);
  CHECK(c.state.exit_code == 3);
  CHECK(c.state.pid == 0);
  CHECK(c.state.finished_at == "2026-11-22T19:44:56.07767979Z");
  CHECK(c.actual.empty());
  REQUIRE(c.networks.size() == 1);
  CHECK_FALSE(c.networks[0].ipv4);  // "" while stopped
  CHECK_FALSE(c.networks[0].gateway);
}

TEST_CASE("never started: port already allocated") {
  const Container c = inspect("inspect_conflict.json");
  CHECK(c.state.status == "created");
  CHECK(c.state.exit_code == 128);
  CHECK(c.state.error.find("port is already allocated") != std::string::npos);
  REQUIRE(c.intended.size() == 1);
  CHECK(c.intended[0].host_port == 8080);
  CHECK(c.actual.empty());
}

TEST_CASE("host and none network modes") {
  const Container host = inspect("inspect_host.json");
  CHECK(host.network_mode == "host");
  CHECK(host.sandbox_key == "/var/run/docker/netns/default");
  REQUIRE(host.networks.size() == 1);
  CHECK(host.networks[0].name == "host");
  CHECK_FALSE(host.networks[0].ipv4);

  const Container none = inspect("inspect_none.json");
  CHECK(none.network_mode == "none");
  REQUIRE(none.networks.size() == 1);
  CHECK(none.networks[0].name == "none");
}

TEST_CASE("paused, published with -P") {
  const Container c = inspect("inspect_paused.json");
  CHECK(c.state.status == "paused");
  CHECK(c.state.paused);
  CHECK(c.state.running);
  CHECK(c.publish_all);
  CHECK(c.intended.empty());
  REQUIRE(c.actual.size() == 4);
  CHECK(c.actual[0].container_port == 3000);
  CHECK(c.actual[0].host_port == 32769);
  CHECK(c.actual[2].container_port == 5000);
  CHECK(c.actual[2].host_port == 32768);
}

TEST_CASE("links and restart count") {
  CHECK(inspect("inspect_linked.json").links == std::vector<std::string>{"/engine-web:/engine-linked/web"});
  const Container restarting = inspect("inspect_restarting.json");
  CHECK(restarting.state.restart_count == 2);
  CHECK(restarting.state.exit_code == 1);
}

TEST_CASE("port keys: sctp skipped, bare number is tcp, empty bindings") {
  const auto c = parse_container(R"({
    "Id": "abc", "Name": "/x",
    "HostConfig": {"PortBindings": {
        "9000/sctp": [{"HostIp": "", "HostPort": "9000"}],
        "80": [{"HostIp": "", "HostPort": ""}],
        "81/tcp": [],
        "82/tcp": [{"HostIp": "", "HostPort": "8000-8010"}],
        "bogus/tcp": [{"HostPort": "1"}]}},
    "NetworkSettings": {"Ports": {"9000/sctp": [{"HostIp": "0.0.0.0", "HostPort": "9000"}],
                                  "80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "49153"}],
                                  "81/tcp": []}}
  })");
  REQUIRE(c);
  REQUIRE(c->intended.size() == 3);
  CHECK(c->intended[0].container_port == 80);
  CHECK(c->intended[0].protocol == Protocol::tcp);
  CHECK(c->intended[0].host_port == 0);        // "" = ephemeral
  CHECK(c->intended[1].container_port == 81);  // [] is still a request to publish
  CHECK(c->intended[1].host_port == 0);
  CHECK(c->intended[2].host_port == 0);  // a range: the engine picks
  REQUIRE(c->actual.size() == 1);
  CHECK(c->actual[0].host_port == 49153);
}

TEST_CASE("defensive: missing, null and mistyped fields") {
  const auto minimal = parse_container(R"({"Id": "abc"})");
  REQUIRE(minimal);
  CHECK(minimal->name.empty());
  CHECK(minimal->networks.empty());

  const auto nulls = parse_container(R"({"Id": "abc", "Name": null, "State": null,
      "Config": {"ExposedPorts": null, "Image": 7}, "HostConfig": {"PortBindings": null,
      "Links": [1, "/a:/b/c"]}, "NetworkSettings": {"Networks": {"n": {"IPAddress": "bad",
      "IPPrefixLen": "16", "Aliases": null}}, "Ports": null}, "RestartCount": 1e30})");
  REQUIRE(nulls);
  CHECK(nulls->links == std::vector<std::string>{"/a:/b/c"});
  REQUIRE(nulls->networks.size() == 1);
  CHECK_FALSE(nulls->networks[0].ipv4);
  CHECK(nulls->state.restart_count == 0);

  for (const char* bad : {"", "{", "[]", "null", R"({"Name": "/x"})"}) {
    const auto c = parse_container(bad);
    REQUIRE_FALSE(c);
    CHECK(c.error().kind == Error::Kind::invalid);
    CHECK(c.error().message.find("GET /containers/{id}/json") != std::string::npos);
  }
}

TEST_CASE("networks") {
  const auto networks = parse_networks(engine_fixture("networks.json"));
  REQUIRE(networks);
  REQUIRE(networks->size() == 4);
  const Network& bridge = (*networks)[0];
  CHECK(bridge.name == "bridge");
  CHECK(bridge.driver == "bridge");
  CHECK(bridge.scope == "local");
  CHECK(bridge.is_default_bridge());
  CHECK(bridge.bridge_name() == "docker0");
  REQUIRE(bridge.subnets.size() == 1);
  CHECK(bridge.subnets[0].to_string() == "172.17.0.0/16");
  CHECK(bridge.gateways.empty());  // 20.10 lists no Gateway for the default bridge
  CHECK(bridge.options.at("com.docker.network.bridge.host_binding_ipv4") == "0.0.0.0");

  const Network& user = (*networks)[1];
  CHECK(user.name == "engine-net");
  CHECK(user.enable_ipv6);
  CHECK_FALSE(user.internal);
  CHECK_FALSE(user.is_default_bridge());
  CHECK(user.bridge_name() == "br-186dd096b4f6");
  REQUIRE(user.subnets.size() == 2);
  CHECK(user.subnets[1].to_string() == "fd42:e17::/64");

  CHECK((*networks)[2].driver == "null");
  CHECK((*networks)[2].subnets.empty());

  const auto with_gateway = parse_networks(
      R"([{"Name":"n","IPAM":{"Config":[{"Subnet":"10.1.0.0/24","Gateway":"10.1.0.1"},
          {"Subnet":"10.2.0.0/99"}]},"Options":{"a":"b","n":1},"Internal":true}])");
  REQUIRE(with_gateway);
  CHECK((*with_gateway)[0].internal);
  CHECK((*with_gateway)[0].subnets.size() == 1);
  CHECK((*with_gateway)[0].gateways == std::vector<IpAddress>{ip("10.1.0.1")});
  CHECK((*with_gateway)[0].options.size() == 1);
  CHECK_FALSE(parse_networks("{}"));
}

TEST_CASE("info warnings and firewall backend") {
  CHECK(parse_info_warnings(engine_fixture("info.json")).empty());  // null
  CHECK(parse_info(engine_fixture("info.json")).firewall_backend.empty());
  const auto info = parse_info(engine_fixture("info_docker29_synthetic.json"));
  CHECK(info.warnings == std::vector<std::string>{"WARNING: IPv4 forwarding is disabled",
                                                  "WARNING: bridge-nf-call-iptables is disabled"});
  CHECK(info.firewall_backend == "nftables");
  CHECK(parse_info_warnings("not json").empty());
}

TEST_CASE("error bodies") {
  CHECK(parse_error_message(engine_fixture("not_found.json")) == "No such container: engine-gone");
  CHECK(parse_error_message(engine_fixture("too_new.json")) ==
        "client version 1.44 is too new. Maximum supported API version is 1.41");
  CHECK(parse_error_message("  502 Bad Gateway\n") == "502 Bad Gateway");
  CHECK(parse_error_message(std::string(1000, 'x')).size() == 200);
}

TEST_SUITE_END();
