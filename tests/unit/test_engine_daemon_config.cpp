#include <doctest/doctest.h>

#include "fixtures.hpp"

#include <string>

#include "engine/engine_json.hpp"
#include "engine/engine_reader.hpp"

using namespace whyno;
using namespace whyno::engine;

namespace {

std::string daemon_fixture(const char* name) {
  return whyno::test::fixture_path(std::string("engine/daemon/") + name);
}

}  // namespace

TEST_SUITE_BEGIN("engine_daemon_config");

TEST_CASE("absent file: the engine's defaults, not read, no problem") {
  const DaemonConfig c = read_daemon_config(daemon_fixture("absent.json"), "20.10.24+dfsg1");
  CHECK_FALSE(c.read);
  CHECK(c.path == daemon_fixture("absent.json"));
  CHECK(c.problem.empty());
  CHECK(c.userland_proxy);
  CHECK(c.iptables);
  CHECK_FALSE(c.ip6tables);
  CHECK(c.ip_forward);
  CHECK(c.ip_masq);
  CHECK(c.icc);
  CHECK(c.ip == "0.0.0.0");
  CHECK(c.firewall_backend.empty());
}

TEST_CASE("ip6tables defaults to off up to 26.x and on from 27.0") {
  CHECK_FALSE(parse_daemon_config("{}", "20.10.24+dfsg1").ip6tables);
  CHECK_FALSE(parse_daemon_config("{}", "26.1.4").ip6tables);
  CHECK(parse_daemon_config("{}", "27.0.0").ip6tables);
  CHECK(parse_daemon_config("{}", "29.0.1").ip6tables);
  CHECK_FALSE(parse_daemon_config("{}", "").ip6tables);
  CHECK(read_daemon_config(daemon_fixture("absent.json"), "28.2.2").ip6tables);
  CHECK(engine_major_version("20.10.24+dfsg1") == 20);
  CHECK(engine_major_version("v27") == 0);
}

TEST_CASE("typical file") {
  const DaemonConfig c = read_daemon_config(daemon_fixture("typical.json"), "20.10.24");
  CHECK(c.read);
  CHECK(c.problem.empty());
  CHECK_FALSE(c.userland_proxy);
  CHECK(c.iptables);
  CHECK(c.ip6tables);
  CHECK_FALSE(c.icc);
  CHECK(c.ip == "127.0.0.1");
}

TEST_CASE("Docker 29 firewall backend") {
  const DaemonConfig c = read_daemon_config(daemon_fixture("nftables_docker29.json"), "29.0.1");
  CHECK(c.read);
  CHECK(c.firewall_backend == "nftables");
  CHECK_FALSE(c.ip_forward);
  CHECK(c.ip6tables);
}

TEST_CASE("invalid JSON: defaults plus a problem") {
  const DaemonConfig c = read_daemon_config(daemon_fixture("invalid.json"), "20.10.24");
  CHECK_FALSE(c.read);
  CHECK(c.userland_proxy);  // the file's false is not applied
  CHECK(c.iptables);
  CHECK(c.problem.find("not a JSON object") != std::string::npos);
  CHECK_FALSE(parse_daemon_config("[1]", "").problem.empty());
}

TEST_CASE("wrong types keep the default and say so") {
  const DaemonConfig c = read_daemon_config(daemon_fixture("wrong_type.json"), "20.10.24");
  CHECK(c.read);
  CHECK(c.iptables);   // "false" is a string, dockerd would refuse it
  CHECK_FALSE(c.icc);  // the well-typed key still applies
  CHECK(c.ip == "0.0.0.0");
  CHECK(c.problem.find("\"iptables\"") != std::string::npos);
}

TEST_CASE("an empty file is all defaults, as dockerd takes it") {
  const DaemonConfig c = read_daemon_config(daemon_fixture("empty.json"), "20.10.24");
  CHECK(c.read);
  CHECK(c.problem.empty());
  CHECK(c.iptables);
}

TEST_CASE("unreadable path: a problem, defaults") {
  // A directory opens but cannot be read.
  const DaemonConfig c = read_daemon_config(daemon_fixture(""), "20.10.24");
  CHECK_FALSE(c.read);
  CHECK_FALSE(c.problem.empty());
}

TEST_SUITE_END();
