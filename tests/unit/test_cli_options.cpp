#include <doctest/doctest.h>

#include <vector>

#include "cli/options.hpp"

using whyno::Protocol;
using whyno::cli::parse_options;

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
  CHECK(o->query.target.text == "localhost");
  CHECK(o->query.port == 8080);
  CHECK(o->query.protocol == Protocol::tcp);
  CHECK_FALSE(o->json);
}

TEST_CASE("address, port and protocol") {
  auto o = parse({"127.0.0.1:8080/udp", "--json"});
  REQUIRE(o);
  CHECK(o->query.target.text == "127.0.0.1");
  CHECK(o->query.protocol == Protocol::udp);
  CHECK(o->json);
  o = parse({"[::1]:8080"});
  REQUIRE(o);
  CHECK(o->query.target.text == "[::1]");
  CHECK(o->query.port == 8080);
}

TEST_CASE("--from and --container") {
  const auto o = parse({"server:3000", "--from", "client", "--container=web"});
  REQUIRE(o);
  CHECK(o->query.target.text == "server");
  CHECK(o->query.from->text == "client");
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
  CHECK(parse({"3000", "--from", "client"}).error().message.starts_with("with --from"));
}

TEST_CASE("a token holding Boost's own placeholder is refused, not looped on") {
  // tests/fuzz/crashes/options-original-token-hang: Boost.Program_options
  // replaced %original_token% with itself forever.
  CHECK(parse({"--%original_token%"}).error().message ==
        "'--%original_token%' is neither an option nor a target (it contains '%original_token%')");
  CHECK_FALSE(parse({"8080", "--from", "x%value%"}));
  CHECK(parse({"--nonsense%"}).error().message.find("nonsense%") != std::string::npos);
  CHECK(parse({"[fe80::1%eth0]:8080"}));  // a zone id is not a placeholder
}

TEST_CASE("--all, and no PORT, check the whole host") {
  auto o = parse({});
  REQUIRE(o);
  CHECK(o->all);
  o = parse({"--all", "--project", "shop", "--json"});
  REQUIRE(o);
  CHECK(o->all);
  CHECK(*o->project == "shop");
  o = parse({"--container", "web"});
  REQUIRE(o);
  CHECK(o->all);
  CHECK(*o->query.container == "web");
  CHECK_FALSE(parse({"8080"})->all);
  CHECK(parse({"--all", "8080"}).error().message.find("leave out PORT") != std::string::npos);
  CHECK(parse({"--all", "--from", "client"}).error().message.find("--from") != std::string::npos);
  // One pipeline: --all saves and replays its facts as a single question does.
  CHECK(parse({"--all", "--save-facts", "f.json"})->save_facts == "f.json");
  CHECK(parse({"--all", "--replay", "f.json"})->all);
  CHECK(parse({"8080", "--project", "shop"}).error().message.starts_with("--project narrows --all"));
  CHECK_FALSE(parse({"--netns", "/run/netns/x"}));  // one namespace: say which PORT
}

TEST_CASE("timeouts are bounded, and huge ones do not wrap around") {
  CHECK(parse({"8080", "--probe-timeout", "60s"})->probe_timeout == std::chrono::seconds(60));
  CHECK(parse({"8080", "--probe-timeout", "300ms"})->probe_timeout == std::chrono::milliseconds(300));
  for (const char* bad :
       {"61s", "60001ms", "18446744073709552s", "18446744073709551616ms", "0s", "-1s", "1m", "s", ""}) {
    INFO("--probe-timeout " << bad);
    const auto o = parse({"8080", "--probe-timeout", bad});
    REQUIRE_FALSE(o);
    CHECK(o.error().message.starts_with("--probe-timeout takes a time such as 1s or 300ms (at most 60s)"));
  }
}

TEST_CASE("a loopback client is this host, in both families") {
  for (const char* loopback : {"127.0.0.1", "127.0.0.2", "::1", "::ffff:127.0.0.1"}) {
    INFO("--from " << loopback);
    const auto o = parse({"192.0.2.10:8080", "--from", loopback});
    REQUIRE(o);
    CHECK_FALSE(o->query.from.has_value());
  }
  CHECK(parse({"192.0.2.10:8080", "--from", "198.51.100.7"})->query.from->text == "198.51.100.7");
}

TEST_CASE("echoed input is cut short and made printable") {
  const std::string long_port(100000, '9');
  const auto o = parse({long_port.c_str()});
  REQUIRE_FALSE(o);
  CHECK(o.error().message.size() < 200);
  CHECK(parse({"\x1b[31m"}).error().message == "'\\x1b[31m' is not a port number");
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

TEST_CASE("options: the one meant, -V, ports and values that name their problem") {
  CHECK(parse({"8080", "--timeout", "2s"}).error().message.find("did you mean --probe-timeout?") !=
        std::string::npos);
  CHECK(parse({"8080", "--jsn"}).error().message.find("did you mean --json?") != std::string::npos);
  CHECK(parse({"-V"})->version);
  CHECK(parse({"-1"}).error().message == "port must be between 1 and 65535, not -1");
  CHECK(parse({"8080/tcp/udp"}).error().message.starts_with("one protocol at a time"));
  CHECK(parse({"8080", "--engine", "tcp://10.0.0.1:2375"})
            .error()
            .message.starts_with("--engine takes a unix socket"));
  CHECK(parse({"8080", "--probe-timeout", "-1"}).error().message.starts_with("--probe-timeout takes"));
  CHECK(parse({"--all", "--metrics", "/tmp/x.prom"})->metrics == "/tmp/x.prom");
  CHECK(parse({"8080", "--metrics", "/tmp/x.prom"})
            .error()
            .message.starts_with("--metrics writes what --all finds"));
}
