// netfilter::parse_legacy_table (the ipt_entry walk and every xt match and
// target decoder) on a LegacyTableDump, then a packet walk over the decoded
// rules (fuzz_walk.hpp).
// Input: one byte choosing the dump's family (bit 0: ip6) and table name
// (bits 1-3: filter, nat, raw, mangle, security, broute, "", filter), then
// the ipt_getinfo / ip6t_getinfo bytes (84), then the get_entries bytes.
// Seeds: tests/fixtures/netfilter/*/legacy_*.{info,entries}.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_input.hpp"
#include "fuzz_walk.hpp"
#include "netfilter/xt_legacy_decode.hpp"

using namespace whyno;

namespace {

constexpr std::size_t k_info_size = 84;  // sizeof(ipt_getinfo) == sizeof(ip6t_getinfo)
constexpr std::array<std::string_view, 8> k_tables = {"filter",   "nat",    "raw", "mangle",
                                                      "security", "broute", "",    "filter"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view rest = fuzz::text(data, size);
  if (rest.empty()) {
    return 0;
  }
  const auto choice = static_cast<unsigned char>(rest.front());
  rest.remove_prefix(1);
  netfilter::LegacyTableDump dump;
  dump.family = (choice & 1) != 0 ? nf::Family::ip6 : nf::Family::ip;
  dump.table = std::string(k_tables[(choice >> 1) & 7]);
  const std::size_t info = std::min(rest.size(), k_info_size);
  dump.info = fuzz::bytes(rest.substr(0, info));
  dump.entries = fuzz::bytes(rest.substr(info));

  nf::Ruleset rules;
  netfilter::parse_legacy_table(dump, rules);
  for (const nf::Rule& r : rules.rules) {
    WHYNO_FUZZ_CHECK(r.backend == nf::Backend::legacy && r.family == dump.family && r.table == dump.table);
  }
  fuzz::walk_every_hook(rules);
  return 0;
}
