#pragma once
// iptables-legacy table blobs (IPT_SO_GET_INFO + IPT_SO_GET_ENTRIES, or the
// IPv6 equivalents) -> nf chains and rules. Pure, so tests decode recorded
// blobs.

#include <cstddef>
#include <string>
#include <vector>

#include "whyno/model/ruleset.hpp"

namespace whyno::netfilter {

struct LegacyTableDump {
  nf::Family family = nf::Family::ip;  // ip: iptables; ip6: ip6tables
  std::string table;                   // "filter", "nat", ...
  std::vector<std::byte> info;         // struct ipt_getinfo / ip6t_getinfo
  std::vector<std::byte> entries;      // struct ipt_get_entries / ip6t_get_entries with its entries
};

/// Appends the table's chains and rules (Backend::legacy) to `out`. A
/// malformed blob becomes an Unread entry; what was decoded before the
/// damage is kept.
void parse_legacy_table(const LegacyTableDump& dump, nf::Ruleset& out);

}  // namespace whyno::netfilter
