#include <doctest/doctest.h>

#include "whyno/util/ip_address.hpp"

using whyno::IpAddress;

TEST_SUITE_BEGIN("util_ip_address");

TEST_CASE("parses and prints both families") {
  CHECK(IpAddress::parse("172.17.0.2")->to_string() == "172.17.0.2");
  CHECK(IpAddress::parse("fd00::2")->to_string() == "fd00::2");
  CHECK(IpAddress::parse("fd00::2")->to_string_for_port() == "[fd00::2]");
  CHECK_FALSE(IpAddress::parse("localhost"));
  CHECK_FALSE(IpAddress::parse(""));
}

TEST_CASE("classifies loopback and wildcard binds") {
  CHECK(IpAddress::parse("127.0.0.1")->is_loopback());
  CHECK(IpAddress::parse("127.1.2.3")->is_loopback());
  CHECK(IpAddress::parse("::1")->is_loopback());
  CHECK(IpAddress::parse("::ffff:127.0.0.1")->is_loopback());
  CHECK_FALSE(IpAddress::parse("172.17.0.2")->is_loopback());
  CHECK(IpAddress::parse("0.0.0.0")->is_unspecified());
  CHECK(IpAddress::parse("::")->is_unspecified());
  CHECK_FALSE(IpAddress::parse("::1")->is_unspecified());
}

TEST_CASE("prefix membership") {
  const auto net = *IpAddress::parse("172.17.0.0");
  CHECK(IpAddress::parse("172.17.0.3")->in_prefix(net, 16));
  CHECK_FALSE(IpAddress::parse("172.18.0.3")->in_prefix(net, 16));
  CHECK(IpAddress::parse("10.1.2.3")->in_prefix(*IpAddress::parse("10.0.0.0"), 8));
  CHECK(IpAddress::parse("10.1.2.3")->in_prefix(*IpAddress::parse("10.1.2.0"), 23));
  CHECK_FALSE(IpAddress::parse("fe80::1")->in_prefix(net, 0));  // other family
}

TEST_SUITE_END();
