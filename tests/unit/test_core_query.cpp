// The query is parsed once: what the client dials and who the client is,
// as typed values every stage reads.

#include <doctest/doctest.h>

#include "facts_builder.hpp"
#include "whyno/core/paths/diagnose.hpp"
#include "whyno/model/query.hpp"

using namespace whyno;
using namespace whyno::test;

TEST_SUITE_BEGIN("core_query");

TEST_CASE("targets: localhost, IPv4, IPv6 with or without brackets, names") {
  CHECK(Target::parse("localhost").kind == Target::Kind::localhost);
  CHECK(Target::parse("localhost").local_address() == ip("127.0.0.1"));
  const auto v4 = Target::parse("172.17.0.2");
  CHECK(v4.kind == Target::Kind::ip);
  CHECK(v4.ip == ip("172.17.0.2"));
  const auto v6 = Target::parse("[fd00::2]");
  CHECK(v6.kind == Target::Kind::ip);
  CHECK(v6.ip == ip("fd00::2"));
  CHECK(v6.text == "[fd00::2]");  // as typed, for sentences
  CHECK(Target::parse("::1").ip == ip("::1"));
  CHECK(Target::parse("web").is_name());
  CHECK(Target::parse("db.example.test").is_name());
  CHECK(Target::parse("[web]").is_name());
}

TEST_CASE("0.0.0.0 and [::] are this host's loopback, as connect() routes them") {
  CHECK(Target::parse("0.0.0.0").local_address() == ip("127.0.0.1"));
  CHECK(Target::parse("[::]").local_address() == ip("::1"));
  CHECK(Target::parse("0.0.0.0").is_this_host_loopback());
  CHECK(Target::parse("127.0.0.2").is_this_host_loopback());
  CHECK(Target::parse("::ffff:127.0.0.1").is_this_host_loopback());
  CHECK_FALSE(Target::parse("172.17.0.1").is_this_host_loopback());
  CHECK_FALSE(Target::parse("web").local_address());
}

TEST_CASE("clients: a container by name, another machine by address, loopback is this host") {
  CHECK(Client::parse("client")->is_container());
  CHECK(Client::parse("198.51.100.7")->is_remote());
  CHECK(Client::parse("198.51.100.7")->ip == ip("198.51.100.7"));
  CHECK(Client::parse("[2001:db8::7]")->is_remote());
  CHECK_FALSE(Client::parse("127.0.0.1"));
  CHECK_FALSE(Client::parse("::1"));
}

TEST_CASE("0.0.0.0:PORT and [::]:PORT get the verdict localhost:PORT gets") {
  Facts f = host_facts();
  Container& web = add_container(f, "web", "172.17.0.2", {listener(Protocol::tcp, "127.0.0.1", 3000)});
  publish(web, 8080, 3000);
  f.host.listeners.push_back(docker_proxy(8080, "172.17.0.2", 3000));
  f.host.interfaces.front().addresses.push_back({ip("::1"), 128});
  f.host.listeners.push_back(docker_proxy(8080, "172.17.0.2", 3000, "::"));
  const Verdict local = diagnose(host_query(8080), f).verdict;
  CHECK(local == Verdict::bound_to_loopback);
  CHECK(diagnose(host_query(8080, "0.0.0.0"), f).verdict == local);
  CHECK(diagnose(host_query(8080, "[::]"), f).verdict == local);
}

TEST_SUITE_END();
