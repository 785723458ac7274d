// Records the raw netfilter state of the calling process's network namespace
// into fixtures, and prints what the decoders make of it.
//
//   ip netns exec nf-scratch record_netfilter tests/fixtures/netfilter/scratch
//
// Writes nft_chains.bin, nft_rules.bin, nft_sets.bin, nft_setelems.bin (the
// netlink reply messages back to back, as NetlinkSocket::request returns
// them) and, per iptables-legacy table, legacy_<ip|ip6>_<table>.info and
// .entries (the getsockopt IPT_SO_GET_INFO / IPT_SO_GET_ENTRIES buffers).
// Finally times read_netfilter() over a few runs.

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include "whyno/netfilter/netfilter_reader.hpp"
#include "netfilter/nft_decode.hpp"
#include "netfilter/nft_fetch.hpp"
#include "netfilter/xt_legacy_decode.hpp"
#include "netfilter/xt_legacy_fetch.hpp"

using namespace whyno;

namespace {

void save(const std::string& path, const std::vector<std::byte>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  fmt::print("{} ({} bytes)\n", path, bytes.size());
}

void print(const nf::Ruleset& ruleset) {
  for (const auto& c : ruleset.chains) {
    std::string base;
    if (c.base) {
      base = fmt::format(" hook {} priority {} type {}{}", nf::to_string(c.base->hook), c.base->priority,
                         static_cast<int>(c.base->type), c.base->policy_drop ? " policy drop" : "");
    }
    fmt::print("chain {}{}\n", nf::describe_chain(c.backend, c.family, c.table, c.name), base);
  }
  for (const auto& r : ruleset.rules) {
    fmt::print("  [{}] {}: {}\n", r.handle, nf::describe_chain(r.backend, r.family, r.table, r.chain),
               nf::describe(r));
  }
  for (const auto& u : ruleset.unread) {
    fmt::print("unread: {}: {}\n", u.source, u.reason);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_DIR\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  const auto dump = netfilter::fetch_nftables();
  if (!dump) {
    std::fprintf(stderr, "nftables: %s\n", dump.error().message.c_str());
    return 1;
  }
  save(dir + "/nft_chains.bin", dump->chains);
  save(dir + "/nft_rules.bin", dump->rules);
  save(dir + "/nft_sets.bin", dump->sets);
  save(dir + "/nft_setelems.bin", dump->set_elements);
  nf::Ruleset ruleset = netfilter::parse_nftables(*dump);

  const netfilter::LegacyDump legacy = netfilter::fetch_legacy_tables();
  for (const auto& table : legacy.tables) {
    const std::string stem = fmt::format("{}/legacy_{}_{}", dir, nf::to_string(table.family), table.table);
    save(stem + ".info", table.info);
    save(stem + ".entries", table.entries);
    netfilter::parse_legacy_table(table, ruleset);
  }
  for (const auto& u : legacy.unread) {
    ruleset.unread.push_back(u);
  }
  print(ruleset);

  constexpr int k_runs = 20;
  double best = 1e9;
  double total = 0;
  for (int i = 0; i < k_runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const auto read = netfilter::read_netfilter();
    const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
    if (!read) {
      std::fprintf(stderr, "read_netfilter: %s\n", read.error().message.c_str());
      return 1;
    }
    best = std::min(best, took.count());
    total += took.count();
  }
  fmt::print("read_netfilter(): best {:.3f} ms, mean {:.3f} ms over {} runs\n", best, total / k_runs, k_runs);
  return 0;
}
