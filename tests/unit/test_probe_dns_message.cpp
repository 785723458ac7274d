#include <doctest/doctest.h>

#include "fixtures.hpp"

#include <algorithm>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <string>
#include <vector>

#include "probe/dns_message.hpp"
#include "whyno/util/hosts_file.hpp"

using whyno::IpAddress;
using whyno::lookup_hosts;
using whyno::probe::build_dns_query;
using whyno::probe::DnsReply;
using whyno::probe::DnsType;
using whyno::probe::parse_dns_reply;
using whyno::probe::rcode_name;

namespace {

constexpr std::uint16_t k_recorded_id = 0x5157;  // tests/tools/record_dns.cpp

std::string fixture_text(const std::string& name) { return whyno::test::fixture_text("dns/" + name); }

std::vector<std::byte> fixture(const std::string& name) { return whyno::test::fixture_bytes("dns/" + name); }

std::vector<std::byte> bytes_of(std::initializer_list<int> values) {
  std::vector<std::byte> out;
  for (const int v : values) {
    out.push_back(static_cast<std::byte>(v));
  }
  return out;
}

void append(std::vector<std::byte>& out, const std::vector<std::byte>& more) {
  out.insert(out.end(), more.begin(), more.end());
}

std::vector<std::byte> labels(std::initializer_list<std::string> parts, bool terminate = true) {
  std::vector<std::byte> out;
  for (const auto& part : parts) {
    out.push_back(static_cast<std::byte>(part.size()));
    for (const char c : part) {
      out.push_back(static_cast<std::byte>(c));
    }
  }
  if (terminate) {
    out.push_back(std::byte{0});
  }
  return out;
}

// A resource record: owner (already encoded), type, class IN, TTL 60, RDATA.
std::vector<std::byte> record(const std::vector<std::byte>& owner, int type,
                              const std::vector<std::byte>& data) {
  auto out = owner;
  append(out, bytes_of({0, type, 0, 1, 0, 0, 0, 60, static_cast<int>(data.size() >> 8),
                        static_cast<int>(data.size() & 0xff)}));
  append(out, data);
  return out;
}

// Turns a query into a reply with `rcode` and the given answer records.
std::vector<std::byte> reply_to(std::vector<std::byte> query, int rcode, int answers,
                                const std::vector<std::byte>& records = {}) {
  query[2] = std::byte{0x81};
  query[3] = static_cast<std::byte>(0x80 | rcode);
  query[7] = static_cast<std::byte>(answers);
  append(query, records);
  return query;
}

std::vector<std::byte> query_for(const std::string& name, DnsType type = DnsType::a, std::uint16_t id = 7) {
  auto q = build_dns_query(id, name, type);
  REQUIRE(q);
  return *q;
}

const std::vector<std::byte> k_to_question = bytes_of({0xc0, 12});  // pointer to the QNAME

}  // namespace

TEST_SUITE_BEGIN("probe_dns_message");

TEST_CASE("a query carries the id, RD, one IN question and the labels") {
  const auto q = query_for("server.net.", DnsType::aaaa, 0xbeef);
  auto expected = bytes_of({0xbe, 0xef, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0});
  append(expected, labels({"server", "net"}));
  append(expected, bytes_of({0, 28, 0, 1}));
  CHECK(q == expected);
}

TEST_CASE("names DNS cannot carry are refused") {
  CHECK_FALSE(build_dns_query(1, "", DnsType::a));
  CHECK_FALSE(build_dns_query(1, ".", DnsType::a));
  CHECK_FALSE(build_dns_query(1, "a..b", DnsType::a));
  CHECK_FALSE(build_dns_query(1, ".a", DnsType::a));
  CHECK_FALSE(build_dns_query(1, std::string(64, 'x'), DnsType::a));
  CHECK(build_dns_query(1, std::string(63, 'x'), DnsType::a));
  std::string long_name;
  for (int i = 0; i < 4; ++i) {
    long_name += std::string(63, 'x') + ".";
  }
  long_name.pop_back();  // 4 x 64 + 1 = 257 bytes on the wire
  CHECK_FALSE(build_dns_query(1, long_name, DnsType::a));
}

TEST_CASE("built queries round-trip through a built reply") {
  for (const auto type : {DnsType::a, DnsType::aaaa}) {
    const auto q = query_for("web", type, 42);
    const auto data = type == DnsType::a ? bytes_of({10, 0, 0, 7})
                                         : bytes_of({0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7});
    const auto r = parse_dns_reply(reply_to(q, 0, 1, record(k_to_question, static_cast<int>(type), data)), 42,
                                   "web", type);
    REQUIRE(r);
    CHECK(r->status == DnsReply::Status::addresses);
    REQUIRE(r->addresses.size() == 1);
    CHECK(r->addresses[0] == *IpAddress::parse(type == DnsType::a ? "10.0.0.7" : "fd00::7"));
  }
}

TEST_CASE("recorded: Docker's embedded DNS answers a container's name") {
  const auto a = parse_dns_reply(fixture("server_a.bin"), k_recorded_id, "probe-server", DnsType::a);
  REQUIRE(a);
  CHECK(a->status == DnsReply::Status::addresses);
  CHECK(a->rcode == 0);
  CHECK(a->addresses == std::vector{*IpAddress::parse("172.30.99.2")});
  CHECK(a->aliases.empty());

  const auto aaaa = parse_dns_reply(fixture("server_aaaa.bin"), k_recorded_id, "probe-server", DnsType::aaaa);
  REQUIRE(aaaa);
  CHECK(aaaa->addresses == std::vector{*IpAddress::parse("fd99:5157::2")});

  const auto fqdn =
      parse_dns_reply(fixture("server_fqdn_a.bin"), k_recorded_id, "probe-server.probe-net.", DnsType::a);
  REQUIRE(fqdn);
  CHECK(fqdn->addresses == std::vector{*IpAddress::parse("172.30.99.2")});
}

TEST_CASE("recorded: names compare case-insensitively") {
  const auto bytes = fixture("server_upper_a.bin");
  for (const char* asked : {"PROBE-Server", "probe-server", "PROBE-SERVER"}) {
    const auto r = parse_dns_reply(bytes, k_recorded_id, asked, DnsType::a);
    REQUIRE(r);
    CHECK(r->has_address());
  }
}

TEST_CASE("recorded: NXDOMAIN relayed by the embedded DNS means no address") {
  for (const auto& [file, type] :
       {std::pair{"nosuch_a.bin", DnsType::a}, std::pair{"nosuch_aaaa.bin", DnsType::aaaa}}) {
    const auto r = parse_dns_reply(fixture(file), k_recorded_id, "nosuch-probe", type);
    REQUIRE(r);
    CHECK(r->status == DnsReply::Status::nxdomain);
    CHECK(r->rcode == whyno::probe::k_rcode_nxdomain);
    CHECK(r->addresses.empty());
    CHECK_FALSE(r->has_address());
  }
}

TEST_CASE("a reply to another query is not taken") {
  const auto bytes = fixture("server_a.bin");
  CHECK_FALSE(parse_dns_reply(bytes, k_recorded_id + 1, "probe-server", DnsType::a));
  CHECK_FALSE(parse_dns_reply(bytes, k_recorded_id, "probe-client", DnsType::a));
  CHECK_FALSE(parse_dns_reply(bytes, k_recorded_id, "probe-server", DnsType::aaaa));
  const auto query = query_for("probe-server", DnsType::a, k_recorded_id);
  CHECK_FALSE(parse_dns_reply(query, k_recorded_id, "probe-server", DnsType::a));  // QR clear
}

TEST_CASE("every truncation of a recorded reply fails cleanly") {
  const auto bytes = fixture("server_fqdn_a.bin");
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    const std::span<const std::byte> cut(bytes.data(), n);
    const auto r = parse_dns_reply(cut, k_recorded_id, "probe-server.probe-net", DnsType::a);
    CHECK_FALSE(r);
  }
}

TEST_CASE("NOERROR without an answer of the type asked is no data; other codes fail") {
  const auto q = query_for("server");
  const auto empty = parse_dns_reply(reply_to(q, 0, 0), 7, "server", DnsType::a);
  REQUIRE(empty);
  CHECK(empty->status == DnsReply::Status::no_data);

  // An AAAA record in a reply to an A query is not an address for it.
  const auto aaaa = record(k_to_question, 28, std::vector<std::byte>(16, std::byte{1}));
  const auto other = parse_dns_reply(reply_to(q, 0, 1, aaaa), 7, "server", DnsType::a);
  REQUIRE(other);
  CHECK(other->status == DnsReply::Status::no_data);

  const auto servfail = parse_dns_reply(reply_to(q, 2, 0), 7, "server", DnsType::a);
  REQUIRE(servfail);
  CHECK(servfail->status == DnsReply::Status::failure);
  CHECK(rcode_name(servfail->rcode) == "SERVFAIL");
  CHECK(rcode_name(3) == "NXDOMAIN");
  CHECK(rcode_name(11) == "RCODE 11");
}

TEST_CASE("CNAME chains are followed through compressed names") {
  const auto q = query_for("www.example");
  // www.example CNAME edge.cdn (written out, just after the first record's header)
  // edge.cdn CNAME origin.example (written with a pointer to "example")
  // origin.example A 10.9.8.7, and an unrelated A that must be ignored.
  const std::size_t edge_offset = q.size() + 2 + 10;
  auto answers = record(k_to_question, 5, labels({"edge", "cdn"}));
  auto origin = labels({"origin"}, false);
  append(origin, bytes_of({0xc0, 16}));  // "example" inside the question name
  const auto edge_ptr = bytes_of({0xc0, static_cast<int>(edge_offset)});
  append(answers, record(edge_ptr, 5, origin));
  const std::size_t origin_offset = q.size() + answers.size() - origin.size();
  append(answers, record(labels({"other"}), 1, bytes_of({10, 0, 0, 1})));
  append(answers, record(bytes_of({0xc0, static_cast<int>(origin_offset)}), 1, bytes_of({10, 9, 8, 7})));

  const auto r = parse_dns_reply(reply_to(q, 0, 4, answers), 7, "www.example", DnsType::a);
  REQUIRE(r);
  CHECK(r->status == DnsReply::Status::addresses);
  CHECK(r->addresses == std::vector{*IpAddress::parse("10.9.8.7")});
  CHECK(r->aliases == std::vector<std::string>{"edge.cdn", "origin.example"});
}

TEST_CASE("a CNAME chain that ends nowhere or loops gives no address") {
  const auto q = query_for("a.test");
  const auto dangling = record(k_to_question, 5, labels({"b", "test"}));
  const auto r = parse_dns_reply(reply_to(q, 0, 1, dangling), 7, "a.test", DnsType::a);
  REQUIRE(r);
  CHECK(r->status == DnsReply::Status::no_data);
  CHECK(r->aliases == std::vector<std::string>{"b.test"});

  // a.test -> b.test -> a.test -> ...
  auto looping = record(k_to_question, 5, labels({"b", "test"}));
  const std::size_t b_offset = q.size() + 12;
  append(looping, record(bytes_of({0xc0, static_cast<int>(b_offset)}), 5, k_to_question));
  CHECK_FALSE(parse_dns_reply(reply_to(q, 0, 2, looping), 7, "a.test", DnsType::a));
}

TEST_CASE("compression pointers that loop or leave the message are rejected") {
  const auto q = query_for("x");
  const std::size_t answer_at = q.size();
  // The owner name points at itself.
  const auto self = record(bytes_of({0xc0, static_cast<int>(answer_at)}), 1, bytes_of({1, 2, 3, 4}));
  CHECK_FALSE(parse_dns_reply(reply_to(q, 0, 1, self), 7, "x", DnsType::a));

  // A label, then a pointer back to that label: backwards, and still a loop.
  auto label_loop = labels({"y"}, false);
  append(label_loop, bytes_of({0xc0, static_cast<int>(answer_at)}));
  CHECK_FALSE(
      parse_dns_reply(reply_to(q, 0, 1, record(label_loop, 1, bytes_of({1, 2, 3, 4}))), 7, "x", DnsType::a));

  // Past the end, a half pointer, a reserved label type, a too-long RDATA.
  CHECK_FALSE(parse_dns_reply(reply_to(q, 0, 1, record(bytes_of({0xc3, 0xff}), 1, bytes_of({1, 2, 3, 4}))), 7,
                              "x", DnsType::a));
  CHECK_FALSE(parse_dns_reply(reply_to(q, 0, 1, bytes_of({0xc0})), 7, "x", DnsType::a));
  CHECK_FALSE(parse_dns_reply(reply_to(q, 0, 1, record(bytes_of({0x80, 0}), 1, bytes_of({1, 2, 3, 4}))), 7,
                              "x", DnsType::a));
  auto long_data = record(k_to_question, 1, bytes_of({1, 2, 3, 4}));
  long_data[long_data.size() - 5] = std::byte{9};
  CHECK_FALSE(parse_dns_reply(reply_to(q, 0, 1, long_data), 7, "x", DnsType::a));
}

TEST_CASE("names over 255 bytes are rejected even when built from pointers") {
  const auto q = query_for("x");
  // 5 records, each a 60-byte label followed by a pointer to the previous one:
  // the last name expands past 255 bytes.
  std::vector<std::byte> chain;
  std::size_t previous = 12;  // the question's "x"
  for (int i = 0; i < 5; ++i) {
    const std::size_t here = q.size() + chain.size();
    auto owner = labels({std::string(60, 'a')}, false);
    append(owner, bytes_of({0xc0 | static_cast<int>(previous >> 8), static_cast<int>(previous & 0xff)}));
    append(chain, record(owner, 16, {}));
    previous = here;
  }
  CHECK_FALSE(parse_dns_reply(reply_to(q, 0, 5, chain), 7, "x", DnsType::a));
  const std::vector<std::byte> first_three(chain.begin(), chain.begin() + 3 * (63 + 10));
  CHECK(parse_dns_reply(reply_to(q, 0, 3, first_three), 7, "x", DnsType::a));
}

TEST_CASE("recorded hosts file: --link and --add-host entries, case-insensitive") {
  const auto hosts = fixture_text("linker_hosts");
  const auto linked = *IpAddress::parse("172.17.0.3");
  CHECK(lookup_hosts(hosts, "db") == std::vector{linked});
  CHECK(lookup_hosts(hosts, "probe-linked") == std::vector{linked});
  CHECK(lookup_hosts(hosts, "ee33c3372f12") == std::vector{linked});
  CHECK(lookup_hosts(hosts, "metrics.example") == std::vector{*IpAddress::parse("10.1.2.3")});
  CHECK(lookup_hosts(hosts, "METRICS.EXAMPLE.") == std::vector{*IpAddress::parse("10.1.2.3")});
  CHECK(lookup_hosts(hosts, "v6host") == std::vector{*IpAddress::parse("fd00::99")});
  CHECK(lookup_hosts(hosts, "localhost") ==
        std::vector{*IpAddress::parse("127.0.0.1"), *IpAddress::parse("::1")});
  CHECK(lookup_hosts(hosts, "ip6-loopback") == std::vector{*IpAddress::parse("::1")});
  CHECK(lookup_hosts(hosts, "probe-server").empty());
  CHECK(lookup_hosts(hosts, "").empty());
  CHECK(lookup_hosts(fixture_text("client_hosts"), "probe-server").empty());
}

TEST_CASE("hosts file syntax: comments, blanks, CRLF, bad lines, repeats") {
  const std::string text =
      "# 10.0.0.1 commented\n"
      "\n"
      "   10.0.0.2\tweb   www # 10.0.0.3 web\r\n"
      "not-an-address web\n"
      "fe80::1%eth0 web\n"
      "10.0.0.4 web\n"
      "10.0.0.2 web\n"
      "10.0.0.5 website";
  CHECK(lookup_hosts(text, "web") ==
        std::vector{*IpAddress::parse("10.0.0.2"), *IpAddress::parse("10.0.0.4")});
  CHECK(lookup_hosts(text, "www") == std::vector{*IpAddress::parse("10.0.0.2")});
  CHECK(lookup_hosts(text, "website") == std::vector{*IpAddress::parse("10.0.0.5")});
  CHECK(lookup_hosts(text, "commented").empty());
  CHECK(lookup_hosts(text, "10.0.0.2").empty());
}

TEST_SUITE_END();
