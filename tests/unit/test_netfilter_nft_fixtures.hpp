#pragma once
// Shared by the netfilter collector tests: loading recorded dumps from
// tests/fixtures/netfilter and finding decoded chains, rules and matches.

#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "fixtures.hpp"
#include "netfilter/nft_decode.hpp"
#include "netfilter/xt_legacy_decode.hpp"
#include "whyno/model/ruleset.hpp"
#include "core/firewall/packet_walk.hpp"

namespace whyno::test::nf_fixtures {

using namespace whyno::nf;
using netfilter::NftDump;

using Range = std::pair<std::uint32_t, std::uint32_t>;

/// tests/fixtures/netfilter/<relative>.
inline std::vector<std::byte> read_bytes(const std::string& relative) {
  return fixture_bytes("netfilter/" + relative);
}

inline NftDump nft_dump(const std::string& dir) {
  const std::string base = dir + "/";
  return NftDump{read_bytes(base + "nft_chains.bin"), read_bytes(base + "nft_rules.bin"),
                 read_bytes(base + "nft_sets.bin"), read_bytes(base + "nft_setelems.bin")};
}

inline Ruleset decode(const std::string& dir) {
  Ruleset r = netfilter::parse_nftables(nft_dump(dir));
  CHECK(r.unread.empty());
  return r;
}

inline IpAddress ip(const char* text) { return *IpAddress::parse(text); }

/// A client at 192.0.2.10 dialling the host's 192.0.2.1:8080 from eth0,
/// as the recorded DNAT fixtures expect it.
inline Packet remote_packet() {
  Packet p;
  p.source = ip("192.0.2.10");
  p.destination = ip("192.0.2.1");
  p.destination_port = 8080;
  p.input_interface = "eth0";
  p.destination_type = k_rtn_local;
  return p;
}

inline std::vector<const Rule*> rules_of(const Ruleset& r, Family family, const char* table,
                                         const char* chain) {
  std::vector<const Rule*> out;
  for (const auto& rule : r.rules) {
    if (rule.family == family && rule.table == table && rule.chain == chain) {
      out.push_back(&rule);
    }
  }
  return out;
}

inline const Chain* chain_of(const Ruleset& r, Family family, const char* table, const char* name) {
  for (const auto& c : r.chains) {
    if (c.family == family && c.table == table && c.name == name) {
      return &c;
    }
  }
  return nullptr;
}

inline const Match* find(const Rule& rule, Field field) {
  for (const auto& m : rule.matches) {
    if (m.field == field) {
      return &m;
    }
  }
  return nullptr;
}

inline void check_interface(const Rule& rule, Field field, const char* name, bool negated,
                            bool prefix = false) {
  const Match* m = find(rule, field);
  REQUIRE(m != nullptr);
  CHECK(m->negated == negated);
  REQUIRE(m->interfaces.size() == 1);
  CHECK(m->interfaces[0].name == name);
  CHECK(m->interfaces[0].prefix == prefix);
}

inline void check_ranges(const Rule& rule, Field field, std::vector<Range> ranges, bool negated = false) {
  const Match* m = find(rule, field);
  REQUIRE(m != nullptr);
  CHECK(m->negated == negated);
  CHECK(m->ranges == ranges);
}

inline void check_prefix(const Rule& rule, Field field, const char* address, unsigned length,
                         bool negated = false) {
  const Match* m = find(rule, field);
  REQUIRE(m != nullptr);
  CHECK(m->negated == negated);
  REQUIRE(m->prefixes.size() == 1);
  CHECK(m->prefixes[0].address == ip(address));
  CHECK(m->prefixes[0].length == length);
}

inline void check_base(const Chain* c, Hook hook, int priority, ChainType type, bool policy_drop) {
  REQUIRE(c != nullptr);
  REQUIRE(c->base.has_value());
  CHECK(c->base->hook == hook);
  CHECK(c->base->priority == priority);
  CHECK(c->base->type == type);
  CHECK(c->base->policy_drop == policy_drop);
}

inline netfilter::LegacyTableDump legacy_table(const std::string& dir, Family family, const char* table) {
  const std::string stem = dir + "/legacy_" + std::string(to_string(family)) + "_" + table;
  return {family, table, read_bytes(stem + ".info"), read_bytes(stem + ".entries")};
}

}  // namespace whyno::test::nf_fixtures
