#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "fixtures.hpp"
#include "netfilter/nft_decode.hpp"
#include "netfilter/nft_fetch.hpp"
#include "test_netfilter_nft_fixtures.hpp"
#include "whyno/snapshot/snapshot.hpp"
#include "whyno/sys/netlink_messages.hpp"

using namespace whyno;

namespace {

/// A ruleset as text, to compare two (nf::Rule has no operator==).
std::string as_text(nf::Ruleset ruleset) {
  snapshot::Snapshot snap;
  snap.facts.ruleset = std::move(ruleset);
  return snapshot::save(snap);
}

/// The rule messages of `bytes`, `per_batch` to a batch.
std::vector<std::vector<std::byte>> batches_of(const std::vector<std::byte>& bytes, std::size_t per_batch) {
  std::vector<std::vector<std::byte>> out;
  std::size_t in_batch = per_batch;
  sys::for_each_message(bytes, [&](const nlmsghdr* nlh) {
    if (in_batch == per_batch) {
      out.emplace_back();
      in_batch = 0;
    }
    const auto* begin = reinterpret_cast<const std::byte*>(nlh);
    out.back().insert(out.back().end(), begin, begin + NLMSG_ALIGN(nlh->nlmsg_len));
    ++in_batch;
  });
  return out;
}

}  // namespace

TEST_SUITE_BEGIN("netfilter_rule_stream");

TEST_CASE("rules decoded as they arrive are the rules decoded at once, on every recorded dump") {
  int dumps = 0;
  const std::filesystem::path root = test::fixture_path("netfilter");
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (entry.path().filename() != "nft_rules.bin") {
      continue;
    }
    const std::string dir = std::filesystem::relative(entry.path().parent_path(), root).string();
    INFO("dump: " << dir);
    const netfilter::NftDump dump = test::nf_fixtures::nft_dump(dir);
    const std::string expected = as_text(netfilter::parse_nftables(dump));
    std::vector<netfilter::NftSetRef> wanted = netfilter::looked_up_sets(dump.rules);
    for (const std::size_t per_batch : {std::size_t{1}, std::size_t{7}, std::size_t{100000}}) {
      netfilter::RuleStream stream;
      for (std::vector<std::byte>& batch : batches_of(dump.rules, per_batch)) {
        stream.add(std::move(batch));
      }
      std::vector<netfilter::NftSetRef> looked_up = stream.looked_up();
      CHECK(looked_up.size() == wanted.size());
      for (const netfilter::NftSetRef& ref : wanted) {
        CHECK(std::find(looked_up.begin(), looked_up.end(), ref) != looked_up.end());
      }
      netfilter::NftDump rest = dump;
      rest.rules.clear();
      CHECK(as_text(stream.finish(rest)) == expected);
    }
    ++dumps;
  }
  CHECK(dumps >= 10);
}

TEST_CASE("a stream dropped before it finishes stops its threads") {
  netfilter::RuleStream stream;
  stream.add(test::nf_fixtures::nft_dump("hostfw").rules);
}

TEST_CASE("this host's ruleset, read as it streams, is the one read whole") {
  // Read-only; needs CAP_NET_ADMIN (CI runs the unit suite as root).
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto streamed = netfilter::read_nftables();
    auto whole = netfilter::fetch_nftables();
    if (!streamed || !whole) {
      MESSAGE("skipped: cannot read this host's nftables ruleset ("
              << (streamed ? whole.error().message : streamed.error().message) << ")");
      return;
    }
    auto again = netfilter::read_nftables();
    REQUIRE(again.has_value());
    if (as_text(*streamed) != as_text(*again)) {
      continue;  // the ruleset changed meanwhile: read again
    }
    CHECK(as_text(*streamed) == as_text(netfilter::parse_nftables(*whole)));
    return;
  }
  MESSAGE("skipped: this host's ruleset kept changing");
}

TEST_SUITE_END();
