#include <doctest/doctest.h>

#include <vector>

#include "whyno/util/ip_address.hpp"

using whyno::IpAddress;
using whyno::IpPrefix;
using whyno::prefixes_covering;

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

TEST_CASE("an address range as the fewest prefixes (iptables -m iprange)") {
  const auto a = [](const char* s) { return *IpAddress::parse(s); };
  CHECK(prefixes_covering(a("10.0.0.0"), a("10.0.0.255")) == std::vector<IpPrefix>{{a("10.0.0.0"), 24}});
  CHECK(prefixes_covering(a("10.0.0.5"), a("10.0.0.5")) == std::vector<IpPrefix>{{a("10.0.0.5"), 32}});
  CHECK(prefixes_covering(a("10.0.0.1"), a("10.0.0.6")) ==
        std::vector<IpPrefix>{
            {a("10.0.0.1"), 32}, {a("10.0.0.2"), 31}, {a("10.0.0.4"), 31}, {a("10.0.0.6"), 32}});
  // The whole space, in both families: one prefix, no overflow at the top.
  CHECK(prefixes_covering(a("0.0.0.0"), a("255.255.255.255")) == std::vector<IpPrefix>{{a("0.0.0.0"), 0}});
  CHECK(prefixes_covering(a("::"), a("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")) ==
        std::vector<IpPrefix>{{a("::"), 0}});
  CHECK(prefixes_covering(a("255.255.255.254"), a("255.255.255.255")) ==
        std::vector<IpPrefix>{{a("255.255.255.254"), 31}});
  // Reversed or mixed ranges cover nothing.
  CHECK(prefixes_covering(a("10.0.0.9"), a("10.0.0.1")).empty());
  CHECK(prefixes_covering(a("10.0.0.1"), a("::1")).empty());
}

TEST_SUITE_END();
