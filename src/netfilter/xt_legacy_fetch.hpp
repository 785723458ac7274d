#pragma once
// Reads the iptables-legacy tables of the calling thread's network namespace
// with getsockopt(IPT_SO_GET_INFO / IPT_SO_GET_ENTRIES), and the IPv6 ones.
// Only tables listed in /proc/thread-self/net/ip{,6}_tables_names are asked
// for: asking for another would make the kernel load and create it.

#include <vector>

#include "xt_legacy_decode.hpp"
#include "whyno/model/netns_facts.hpp"

namespace whyno::netfilter {

struct LegacyDump {
  std::vector<LegacyTableDump> tables;
  std::vector<Unread> unread;  // tables we could not read, and why
};

LegacyDump fetch_legacy_tables();

}  // namespace whyno::netfilter
