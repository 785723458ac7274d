#include <doctest/doctest.h>

#include "facts_builder.hpp"
#include "core/docker_proxy.hpp"
#include "whyno/core/listeners.hpp"
#include "core/timestamp.hpp"
#include "whyno/core/verdict.hpp"
#include "whyno/util/words.hpp"
#include "whyno/util/printable.hpp"

using namespace whyno;
using whyno::test::ip;
using whyno::test::listener;

TEST_SUITE_BEGIN("core_support");

TEST_CASE("docker-proxy command lines, 20.10 and 28 style") {
  auto f = parse_docker_proxy(
      "/usr/sbin/docker-proxy -proto tcp -host-ip 0.0.0.0 -host-port 8080 -container-ip "
      "172.17.0.2 -container-port 3000");
  REQUIRE(f);
  CHECK(f->protocol == Protocol::tcp);
  CHECK(f->host_port == 8080);
  CHECK(f->container_ip == ip("172.17.0.2"));
  CHECK(f->container_port == 3000);
  f = parse_docker_proxy(
      "/usr/bin/docker-proxy -proto udp -host-ip :: -host-port 53 -container-ip fd00::2 "
      "-container-port 53 -use-listen-fd");
  REQUIRE(f);
  CHECK(f->protocol == Protocol::udp);
  CHECK(f->container_ip == ip("fd00::2"));
  CHECK_FALSE(parse_docker_proxy("/usr/sbin/docker-proxy -proto sctp -container-ip 1.2.3.4 -container-port 9"));
  CHECK_FALSE(parse_docker_proxy("nginx: master process"));
}

TEST_CASE("which sockets take which traffic") {
  const auto c = ip("172.17.0.2");
  CHECK(accepts(listener(Protocol::tcp, "0.0.0.0", 3000), Protocol::tcp, c, 3000));
  CHECK_FALSE(accepts(listener(Protocol::tcp, "0.0.0.0", 3000), Protocol::udp, c, 3000));
  CHECK_FALSE(accepts(listener(Protocol::tcp, "127.0.0.1", 3000), Protocol::tcp, c, 3000));
  CHECK(accepts(listener(Protocol::tcp, "::", 3000), Protocol::tcp, c, 3000));
  Listener v6only = listener(Protocol::tcp, "::", 3000);
  v6only.v6only = true;
  CHECK_FALSE(accepts(v6only, Protocol::tcp, c, 3000));
  CHECK(accepts(listener(Protocol::tcp, "::ffff:172.17.0.2", 3000), Protocol::tcp, c, 3000));
  CHECK(bind_scope(listener(Protocol::tcp, "::1", 1)) == BindScope::loopback);
  CHECK(bind_scope(listener(Protocol::tcp, "::", 1)) == BindScope::wildcard);
  CHECK(bind_scope(listener(Protocol::tcp, "172.17.0.2", 1)) == BindScope::specific);
  CHECK(describe_bind(listener(Protocol::tcp, "::", 3000)) == "*:3000");
  CHECK(describe_bind(v6only) == "[::]:3000");
}

TEST_CASE("verdict codes round-trip") {
  for (const Verdict v : all_verdicts()) {
    CHECK(parse_verdict(code(v)) == v);
  }
  CHECK(code(Verdict::bound_to_loopback) == "bound-to-loopback");
}

TEST_CASE("near-miss names") {
  CHECK(near_miss("day8-net", "day8-network"));
  CHECK(near_miss("server", "sever"));
  CHECK_FALSE(near_miss("web", "db"));
  CHECK_FALSE(near_miss("same", "same"));
  CHECK(join_words({"a", "b", "c"}) == "a, b and c");
}

TEST_CASE("strings from containers cannot drive the terminal") {
  CHECK(printable("web") == "web");
  CHECK(printable("evil\x1b[2Jname") == "evil\\x1b[2Jname");
  CHECK(printable("caf\xc3\xa9") == "caf\xc3\xa9");
  CHECK(printable("\xc2\x9b") == "\\xc2\\x9b");  // C1 CSI
  CHECK(printable("bad\xff") == "bad\\xff");
  CHECK(printable("tab\there") == "tab\\x09here");
}


TEST_CASE("engine timestamps") {
  using whyno::parse_rfc3339;
  CHECK(parse_rfc3339("1970-01-02T00:00:00Z") == 86400);
  CHECK(parse_rfc3339("2026-11-22T20:34:44.570921123Z") == 1795379684);
  CHECK(parse_rfc3339("2026-11-22T21:34:44+01:00") == 1795379684);
  CHECK_FALSE(parse_rfc3339("0001-01-01T00:00:00Z"));
  CHECK_FALSE(parse_rfc3339(""));
  CHECK_FALSE(parse_rfc3339("2026-11-22 nonsense"));
}

TEST_SUITE_END();
