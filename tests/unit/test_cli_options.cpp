#include <doctest/doctest.h>

#include <vector>

#include "cli/options.hpp"

using whyno::cli::parse_options;
using whyno::Protocol;

namespace {

auto parse(std::vector<const char*> args) {
  args.insert(args.begin(), "whyno-port");
  return parse_options(args);
}

}  // namespace

TEST_SUITE_BEGIN("cli_options");

TEST_CASE("a bare port means localhost over tcp") {
  const auto o = parse({"8080"});
  REQUIRE(o);
  CHECK(o->query.address == "localhost");
  CHECK(o->query.port == 8080);
  CHECK(o->query.protocol == Protocol::tcp);
  CHECK_FALSE(o->json);
}

TEST_CASE("address, port and protocol") {
  auto o = parse({"127.0.0.1:8080/udp", "--json"});
  REQUIRE(o);
  CHECK(o->query.address == "127.0.0.1");
  CHECK(o->query.protocol == Protocol::udp);
  CHECK(o->json);
  o = parse({"[::1]:8080"});
  REQUIRE(o);
  CHECK(o->query.address == "[::1]");
  CHECK(o->query.port == 8080);
}

TEST_CASE("--from and --container") {
  const auto o = parse({"server:3000", "--from", "client", "--container=web"});
  REQUIRE(o);
  CHECK(o->query.address == "server");
  CHECK(*o->query.from == "client");
  CHECK(*o->query.container == "web");
}

TEST_CASE("bad input is one clear sentence") {
  CHECK(parse({"0"}).error().message == "port must be between 1 and 65535, not 0");
  CHECK(parse({"70000"}).error().message == "port must be between 1 and 65535, not 70000");
  CHECK(parse({"99999999999999999999"}).error().message.starts_with("port must be between"));
  CHECK(parse({"abc"}).error().message == "'abc' is not a port number");
  CHECK(parse({"8080/sctp"}).error().message ==
        "unknown protocol 'sctp'; whyno-port understands tcp and udp");
  CHECK(parse({"::1:8080"}).error().message.starts_with("put an IPv6 address in brackets"));
  CHECK(parse({}).error().message == "say which port to diagnose, e.g. whyno-port 8080");
  CHECK(parse({"3000", "--from", "client"}).error().message.starts_with("with --from"));
}

TEST_CASE("unknown options are errors") {
  const auto o = parse({"8080", "--bogus"});
  CHECK_FALSE(o);
}

TEST_CASE("help and version need no target") {
  CHECK(parse({"--help"})->help);
  CHECK(parse({"--version"})->version);
}

TEST_SUITE_END();
