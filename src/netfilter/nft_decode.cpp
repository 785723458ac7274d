#include "nft_decode.hpp"

#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <numeric>
#include <optional>
#include <thread>
#include <string_view>

#include <fmt/format.h>

#include "nft_attributes.hpp"
#include "nft_objects.hpp"
#include "nft_rule.hpp"
#include "nft_sets.hpp"
#include "nft_wellformed.hpp"
#include "whyno/sys/netlink_messages.hpp"

namespace whyno::netfilter {

namespace {

std::string str_or_empty(const char* s) { return s == nullptr ? std::string{} : std::string(s); }

nf::Hook hook_of(nf::Family family, std::uint32_t hooknum) {
  if (family == nf::Family::netdev) {
    return hooknum == NF_NETDEV_INGRESS ? nf::Hook::ingress : nf::Hook::other;
  }
  if (family == nf::Family::arp) {
    return nf::Hook::other;  // NF_ARP_IN/OUT/FORWARD: not IP hooks
  }
  // ip, ip6, inet and bridge number their hooks alike (NF_INET_*, NF_BR_*).
  switch (hooknum) {
    case NF_INET_PRE_ROUTING:
      return nf::Hook::prerouting;
    case NF_INET_LOCAL_IN:
      return nf::Hook::input;
    case NF_INET_FORWARD:
      return nf::Hook::forward;
    case NF_INET_LOCAL_OUT:
      return nf::Hook::output;
    case NF_INET_POST_ROUTING:
      return nf::Hook::postrouting;
    case NF_INET_INGRESS:
      return nf::Hook::ingress;
    default:
      return nf::Hook::other;
  }
}

nf::ChainType type_of(std::string_view type) {
  if (type == "nat") {
    return nf::ChainType::nat;
  }
  return type == "route" ? nf::ChainType::route : nf::ChainType::filter;
}

void parse_chains(const std::vector<std::byte>& bytes, nf::Ruleset& out) {
  sys::for_each_message(bytes, [&](const nlmsghdr* nlh) {
    nft::ChainPtr c(nftnl_chain_alloc());
    if (!c || !nft::libnftnl_can_parse(nlh, nft::ParsedAs::chain) ||
        nftnl_chain_nlmsg_parse(nlh, c.get()) < 0) {
      out.unread.push_back({"nftables chains", "a chain message could not be parsed"});
      return;
    }
    nf::Chain chain;
    chain.backend = nf::Backend::nftables;
    chain.family = family_of(nftnl_chain_get_u32(c.get(), NFTNL_CHAIN_FAMILY));
    chain.table = str_or_empty(nftnl_chain_get_str(c.get(), NFTNL_CHAIN_TABLE));
    chain.name = str_or_empty(nftnl_chain_get_str(c.get(), NFTNL_CHAIN_NAME));
    if (nftnl_chain_is_set(c.get(), NFTNL_CHAIN_HOOKNUM)) {
      nf::BaseChain base;
      base.hook = hook_of(chain.family, nftnl_chain_get_u32(c.get(), NFTNL_CHAIN_HOOKNUM));
      base.priority = nftnl_chain_get_s32(c.get(), NFTNL_CHAIN_PRIO);
      if (nftnl_chain_is_set(c.get(), NFTNL_CHAIN_TYPE)) {
        base.type = type_of(nftnl_chain_get_str(c.get(), NFTNL_CHAIN_TYPE));
      }
      base.policy_drop = nftnl_chain_is_set(c.get(), NFTNL_CHAIN_POLICY) &&
                         nftnl_chain_get_u32(c.get(), NFTNL_CHAIN_POLICY) == NF_DROP;
      chain.base = base;
    }
    out.chains.push_back(std::move(chain));
  });
}

/// Decodes one rule message into `out`.
void parse_rule(const nlmsghdr* nlh, const nft::SetIndex& sets, nf::Ruleset& out) {
  nft::RulePtr r(nftnl_rule_alloc());
  if (!r || !nft::libnftnl_can_parse(nlh, nft::ParsedAs::rule) || nftnl_rule_nlmsg_parse(nlh, r.get()) < 0) {
    out.unread.push_back({"nftables rules", "a rule message could not be parsed"});
    return;
  }
  const std::uint32_t nfproto = nftnl_rule_get_u32(r.get(), NFTNL_RULE_FAMILY);
  nf::Rule rule;
  rule.backend = nf::Backend::nftables;
  rule.family = family_of(nfproto);
  rule.table = str_or_empty(nftnl_rule_get_str(r.get(), NFTNL_RULE_TABLE));
  rule.chain = str_or_empty(nftnl_rule_get_str(r.get(), NFTNL_RULE_CHAIN));
  rule.handle = nftnl_rule_get_u64(r.get(), NFTNL_RULE_HANDLE);
  nft::DecodedRule decoded = nft::decode_rule(r.get(), rule.family, nfproto, sets);
  rule.matches = std::move(decoded.matches);
  rule.action = std::move(decoded.action);
  rule.comment = std::move(decoded.comment);
  rule.writer = decoded.writer;
  rule.marks = std::move(decoded.marks);
  out.rules.push_back(std::move(rule));
}

/// Decodes every rule message of a dump, in dump order. (The live read
/// decodes as the dump arrives, on two threads: RuleStream.)
void parse_rules(const std::vector<std::byte>& bytes, const nft::SetIndex& sets, nf::Ruleset& out) {
  sys::for_each_message(bytes, [&](const nlmsghdr* nlh) { parse_rule(nlh, sets, out); });
}

}  // namespace

nf::Family family_of(std::uint32_t nfproto) {
  switch (nfproto) {
    case NFPROTO_IPV4:
      return nf::Family::ip;
    case NFPROTO_IPV6:
      return nf::Family::ip6;
    case NFPROTO_INET:
      return nf::Family::inet;
    case NFPROTO_ARP:
      return nf::Family::arp;
    case NFPROTO_BRIDGE:
      return nf::Family::bridge;
    case NFPROTO_NETDEV:
      return nf::Family::netdev;
    default:
      return nf::Family::other;
  }
}

namespace {

/// The sets one rule message's `lookup`s read, each once, appended to `out`.
void sets_looked_up_by(const nlmsghdr* nlh, std::vector<NftSetRef>& out) {
  using nft::Attribute;
  std::string table;
  std::vector<std::string> sets;
  const auto lookup_set = [&](const Attribute& data) {
    return nft::walk_nested(data, [&](const Attribute& a) {
      if (a.type == NFTA_LOOKUP_SET) {
        if (const auto name = nft::terminated(a)) {
          sets.emplace_back(*name);
        }
      }
      return true;
    });
  };
  const auto expression = [&](const Attribute& element) {
    std::optional<std::string_view> name;
    std::optional<Attribute> data;
    nft::walk_nested(element, [&](const Attribute& a) {
      if (a.type == NFTA_EXPR_NAME) {
        name = nft::terminated(a);
      } else if (a.type == NFTA_EXPR_DATA) {
        data = a;
      }
      return true;
    });
    return name != "lookup" || !data || lookup_set(*data);
  };
  const bool whole = nft::walk_message(nlh, [&](const Attribute& a) {
    if (a.type == NFTA_RULE_TABLE) {
      table = std::string(nft::terminated(a).value_or(""));
    } else if (a.type == NFTA_RULE_EXPRESSIONS) {
      return nft::walk_nested(a, expression);
    }
    return true;
  });
  if (!whole) {
    return;  // parse_rules says it could not be read
  }
  const std::uint32_t family = static_cast<const nfgenmsg*>(mnl_nlmsg_get_payload(nlh))->nfgen_family;
  for (std::string& name : sets) {
    NftSetRef ref{family, table, std::move(name)};
    if (std::find(out.begin(), out.end(), ref) == out.end()) {
      out.push_back(std::move(ref));
    }
  }
}

}  // namespace

std::vector<NftSetRef> looked_up_sets(const std::vector<std::byte>& rules) {
  // A bounded walk over the raw attributes: every rule is parsed in full
  // later, and this runs inside the dump's generation bracket, where
  // libnftnl's allocations for every rule would be paid twice.
  std::vector<NftSetRef> out;
  sys::for_each_message(rules, [&](const nlmsghdr* nlh) { sets_looked_up_by(nlh, out); });
  return out;
}

namespace {

/// The sets and chains of `dump` into `out`; the set index for the rules.
nft::SetIndex parse_sets_and_chains(const NftDump& dump, nf::Ruleset& out) {
  std::vector<std::string> problems;
  nft::SetIndex sets = nft::parse_sets(dump.sets, dump.set_elements, problems);
  for (auto& p : problems) {
    out.unread.push_back({"nftables sets", std::move(p)});
  }
  parse_chains(dump.chains, out);
  return sets;
}

}  // namespace

nf::Ruleset parse_nftables(const NftDump& dump) {
  nf::Ruleset out;
  const nft::SetIndex sets = parse_sets_and_chains(dump, out);
  parse_rules(dump.rules, sets, out);
  return out;
}

struct RuleStream::State {
  // What one rule message became: a rule, nothing readable, or (it looks
  // up a set) its bytes, decoded in finish().
  struct Piece {
    std::optional<nf::Rule> rule;
    std::vector<Unread> unread;
    std::vector<std::byte> deferred;
  };
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::vector<std::byte>> batches;  // in arrival order
  std::vector<std::size_t> sources;             // per batch
  std::vector<std::vector<Piece>> decoded;      // per batch
  std::size_t next = 0;                         // the next batch to take
  std::size_t done = 0;                         // batches decoded
  bool closed = false;
  std::vector<NftSetRef> lookups;
  std::vector<std::jthread> workers;

  /// Decodes batches until closed and none is left.
  void work() {
    const nft::SetIndex none;
    std::unique_lock lock(mutex);
    for (;;) {
      changed.wait(lock, [&] { return next < batches.size() || closed; });
      if (next == batches.size()) {
        return;
      }
      const std::size_t index = next++;
      const std::vector<std::byte> bytes = std::move(batches[index]);
      lock.unlock();
      std::vector<Piece> pieces;
      // Counted first: a Piece holds a whole rule, and growing the vector
      // moved every rule decoded so far (5% of a 10,000-rule read).
      std::size_t messages = 0;
      sys::for_each_message(bytes, [&](const nlmsghdr*) { ++messages; });
      pieces.reserve(messages);
      std::vector<NftSetRef> wanted;
      sys::for_each_message(bytes, [&](const nlmsghdr* nlh) {
        Piece& piece = pieces.emplace_back();
        std::vector<NftSetRef> refs;
        sets_looked_up_by(nlh, refs);
        if (!refs.empty()) {
          wanted.insert(wanted.end(), refs.begin(), refs.end());
          const auto* begin = reinterpret_cast<const std::byte*>(nlh);
          piece.deferred.assign(begin, begin + NLMSG_ALIGN(nlh->nlmsg_len));
          return;
        }
        nf::Ruleset alone;
        parse_rule(nlh, none, alone);
        if (!alone.rules.empty()) {
          piece.rule = std::move(alone.rules.front());
        }
        piece.unread = std::move(alone.unread);
      });
      lock.lock();
      decoded[index] = std::move(pieces);
      for (NftSetRef& ref : wanted) {
        if (std::find(lookups.begin(), lookups.end(), ref) == lookups.end()) {
          lookups.push_back(std::move(ref));
        }
      }
      ++done;
      changed.notify_all();
    }
  }
};

RuleStream::RuleStream() : m_state(std::make_unique<State>()) {
  for (int i = 0; i < 2; ++i) {
    m_state->workers.emplace_back([state = m_state.get()] { state->work(); });
  }
}

RuleStream::~RuleStream() {
  {
    const std::lock_guard lock(m_state->mutex);
    m_state->closed = true;
  }
  m_state->changed.notify_all();
  m_state->workers.clear();  // joins
}

void RuleStream::add(std::vector<std::byte> batch, std::size_t source) {
  {
    const std::lock_guard lock(m_state->mutex);
    m_state->batches.push_back(std::move(batch));
    m_state->sources.push_back(source);
    m_state->decoded.emplace_back();
  }
  m_state->changed.notify_all();
}

std::vector<NftSetRef> RuleStream::looked_up() {
  std::unique_lock lock(m_state->mutex);
  m_state->changed.wait(lock, [&] { return m_state->done == m_state->batches.size(); });
  return m_state->lookups;
}

nf::Ruleset RuleStream::finish(const NftDump& dump) {
  looked_up();  // every batch decoded
  nf::Ruleset out;
  const nft::SetIndex sets = parse_sets_and_chains(dump, out);
  const std::lock_guard lock(m_state->mutex);
  std::size_t pieces = 0;
  for (const std::vector<State::Piece>& batch : m_state->decoded) {
    pieces += batch.size();
  }
  out.rules.reserve(pieces);
  // By source, each source's batches in arrival order (a stable sort).
  std::vector<std::size_t> order(m_state->decoded.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return m_state->sources[a] < m_state->sources[b]; });
  for (const std::size_t index : order) {
    std::vector<State::Piece>& batch = m_state->decoded[index];
    for (State::Piece& piece : batch) {
      if (!piece.deferred.empty()) {
        parse_rule(reinterpret_cast<const nlmsghdr*>(piece.deferred.data()), sets, out);
        continue;
      }
      if (piece.rule) {
        out.rules.push_back(std::move(*piece.rule));
      }
      out.unread.insert(out.unread.end(), piece.unread.begin(), piece.unread.end());
    }
  }
  return out;
}

}  // namespace whyno::netfilter
