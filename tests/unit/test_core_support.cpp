#include <doctest/doctest.h>

#include <fmt/format.h>

#include "facts_builder.hpp"
#include "core/paths/docker_proxy.hpp"
#include "whyno/model/listeners.hpp"
#include "whyno/model/timestamp.hpp"
#include "whyno/model/verdict.hpp"
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
  CHECK_FALSE(
      parse_docker_proxy("/usr/sbin/docker-proxy -proto sctp -container-ip 1.2.3.4 -container-port 9"));
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
  CHECK(edit_distance("clinet", "client") == 1);  // a swap is one typo
  CHECK(near_miss("clinet", "client"));
  CHECK(near_miss("cahce", "cache"));
}

TEST_CASE("names in commands to paste are one shell word each") {
  CHECK(shell_word("web") == "web");
  CHECK(shell_word("shop_api_1") == "shop_api_1");
  CHECK(shell_word("net.ipv4.ip_forward=1") == "net.ipv4.ip_forward=1");
  CHECK(shell_word("x; rm -rf /") == "'x; rm -rf /'");
  CHECK(shell_word("$(id)") == "'$(id)'");
  CHECK(shell_word("it's") == "'it'\\''s'");
  CHECK(shell_word("") == "''");
}

TEST_CASE("strings from containers cannot drive the terminal") {
  CHECK(printable("web") == "web");
  CHECK(printable("evil\x1b[2Jname") == "evil\\x1b[2Jname");
  CHECK(printable("caf\xc3\xa9") == "caf\xc3\xa9");
  CHECK(printable("\xc2\x9b") == "\\xc2\\x9b");  // C1 CSI
  CHECK(printable("bad\xff") == "bad\\xff");
  CHECK(printable("tab\there") == "tab\\x09here");
  CHECK(printable("del\x7f") == "del\\x7f");
  CHECK(printable("ab\xe2\x80\xae"
                  "cd") == "ab\\u{202e}cd");  // RIGHT-TO-LEFT OVERRIDE
  CHECK(printable("zero\xe2\x80\x8bwidth") == "zero\\u{200b}width");
  CHECK(printable("iso\xe2\x81\xa6late") == "iso\\u{2066}late");
  CHECK(printable("\xef\xbb\xbf"
                  "bom") == "\\u{feff}bom");
  CHECK(printable("\xe2\x80\x90"
                  "dash") ==
        "\xe2\x80\x90"
        "dash");                                          // U+2010 is fine
  CHECK(printable("\xed\xa0\x80") == "\\xed\\xa0\\x80");  // a surrogate is invalid
}

TEST_CASE("excerpt: printable, at most so many characters, then an ellipsis") {
  CHECK(excerpt("short") == "short");
  CHECK(excerpt(std::string(300, 'a')) == std::string(200, 'a') + "…");
  CHECK(excerpt("caf\xc3\xa9 au lait", 4) == "caf\xc3\xa9…");
  CHECK(excerpt("\x1b[31mred", 5) == "\\x1b[…");
}

TEST_CASE("JSON: C1, DEL, format and bidi controls become \\u escapes") {
  CHECK(escape_display_controls_in_json(R"({"a":"x\u001b"})") == R"({"a":"x\u001b"})");
  CHECK(escape_display_controls_in_json("{\"a\":\"\xc2\x9b\"}") == R"({"a":"\u009b"})");
  CHECK(escape_display_controls_in_json("{\"a\":\"\xe2\x80\xae\x7f\"}") == R"({"a":"\u202e\u007f"})");
  CHECK(escape_display_controls_in_json("{\"a\":\"caf\xc3\xa9\"}") == "{\"a\":\"caf\xc3\xa9\"}");
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

TEST_CASE("forwarders by their executable and their uid, not their name") {
  Listener l = test::docker_proxy(8080, "172.17.0.2", 3000);
  ProcessRef& proxy = l.owners.front();
  proxy.uid = 0;
  proxy.exe = "/usr/sbin/docker-proxy";
  CHECK(proxy_forward(l, 0));
  CHECK_FALSE(proxy_forward(l, 1001));  // rootless Docker's namespace: its user's docker-proxy only
  proxy.uid = 1001;
  CHECK(proxy_forward(l, 1001));
  CHECK_FALSE(proxy_forward(l, 0));  // a user's docker-proxy on the host forwards nothing of root's
  // A user's copy, named docker-proxy, with a forged -container-ip.
  proxy.uid = 1001;
  proxy.exe = "/home/eve/docker-proxy";
  proxy.system_binary = false;
  CHECK_FALSE(proxy_forward(l, 1001));
  CHECK_FALSE(is_engine_process(proxy));
  CHECK(describe_owners(l) ==
        fmt::format("docker-proxy (pid {}, uid 1001, /home/eve/docker-proxy)", proxy.pid));

  ProcessRef kit{
      77, "rootlesskit", "rootlesskit dockerd", {}, 1001U, "/usr/bin/rootlesskit", true, "S", false, ""};
  CHECK(is_rootlesskit(kit));
  CHECK(program_of(kit) == "rootlesskit");
  kit.exe = "/home/eve/rootlesskit";
  kit.system_binary = false;
  CHECK_FALSE(is_rootlesskit(kit));
  ProcessRef port{78, "rootlessport", "", {}, 1001U, "/home/eve/rootlessport", false, "S", false, ""};
  CHECK_FALSE(is_rootlessport(port));
  port.exe = "/usr/libexec/podman/rootlessport (deleted)";  // upgraded while it runs
  port.system_binary = true;
  CHECK(is_rootlessport(port));
  // A snapshot from before exe and uid: the comm, as it always was.
  ProcessRef old{79, "rootlessport", "", {}, std::nullopt, "", true, "", false, ""};
  CHECK(is_rootlessport(old));
  CHECK(runs_as(old, 1001));
}
