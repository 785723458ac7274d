#include "xt_legacy_decode.hpp"

#include <netinet/in.h>

#include <linux/netfilter_ipv4/ip_tables.h>
#include <linux/netfilter_ipv6/ip6_tables.h>

#include <array>
#include <cstring>
#include <map>
#include <optional>
#include <span>
#include <string_view>

#include <fmt/format.h>

#include "nf_decode_util.hpp"

#include "xt_decode.hpp"
#include "xt_legacy_ip.hpp"

namespace whyno::netfilter {

namespace {

constexpr std::array<std::string_view, NF_INET_NUMHOOKS> k_hook_chains = {"PREROUTING", "INPUT", "FORWARD",
                                                                          "OUTPUT", "POSTROUTING"};
constexpr std::array<nf::Hook, NF_INET_NUMHOOKS> k_hooks = {
    nf::Hook::prerouting, nf::Hook::input, nf::Hook::forward, nf::Hook::output, nf::Hook::postrouting};

// Standard target verdicts are -NF_x - 1 (and XT_RETURN = -NF_REPEAT - 1).
constexpr int k_verdict_drop = -NF_DROP - 1;
constexpr int k_verdict_accept = -NF_ACCEPT - 1;
constexpr int k_verdict_queue = -NF_QUEUE - 1;
constexpr int k_verdict_return = XT_RETURN;

struct V4 {
  using Entry = ipt_entry;
  using Ip = ipt_ip;
  using GetInfo = ipt_getinfo;
  static const Ip& ip(const Entry& e) { return e.ip; }
  static constexpr std::size_t k_entries_offset = offsetof(ipt_get_entries, entrytable);
  static constexpr unsigned k_goto_flag = IPT_F_GOTO;
};

struct V6 {
  using Entry = ip6t_entry;
  using Ip = ip6t_ip6;
  using GetInfo = ip6t_getinfo;
  static const Ip& ip(const Entry& e) { return e.ipv6; }
  static constexpr std::size_t k_entries_offset = offsetof(ip6t_get_entries, entrytable);
  static constexpr unsigned k_goto_flag = IP6T_F_GOTO;
};

/// One xt_entry_match or xt_entry_target: the user-space view of its header
/// (u16 size, name[29], u8 revision), then the payload.
struct XtBlob {
  std::string name;
  std::uint32_t revision = 0;
  std::span<const std::uint8_t> payload;
};

std::optional<XtBlob> read_blob(std::span<const std::uint8_t> bytes, std::size_t at, std::size_t end) {
  xt_entry_match header{};
  if (at + sizeof header > end) {
    return std::nullopt;
  }
  std::memcpy(&header, bytes.data() + at, sizeof header);
  const std::size_t size = header.u.user.match_size;
  if (size < sizeof header || at + size > end) {
    return std::nullopt;
  }
  XtBlob blob;
  blob.name.assign(header.u.user.name, strnlen(header.u.user.name, sizeof header.u.user.name));
  blob.revision = header.u.user.revision;
  blob.payload = bytes.subspan(at + sizeof header, size - sizeof header);
  return blob;
}

template <typename V>
struct EntryView {
  std::size_t offset = 0;
  std::size_t next_offset = 0;
  typename V::Ip ip{};  // not the whole entry: it ends in a flexible array
  std::vector<XtBlob> matches;
  XtBlob target;
};

template <typename V>
std::optional<std::vector<EntryView<V>>> walk(std::span<const std::uint8_t> bytes) {
  std::vector<EntryView<V>> out;
  std::size_t at = 0;
  while (at < bytes.size()) {
    EntryView<V> view;
    view.offset = at;
    if (at + sizeof(typename V::Entry) > bytes.size()) {
      return std::nullopt;
    }
    typename V::Entry entry{};
    std::memcpy(&entry, bytes.data() + at, sizeof entry);
    const std::size_t next = entry.next_offset;
    const std::size_t target = entry.target_offset;
    if (next < sizeof entry || at + next > bytes.size() || target < sizeof entry || target > next) {
      return std::nullopt;
    }
    view.next_offset = next;
    view.ip = V::ip(entry);
    for (std::size_t m = at + sizeof entry; m < at + target;) {
      auto blob = read_blob(bytes, m, at + target);
      if (!blob) {
        return std::nullopt;
      }
      m += sizeof(xt_entry_match) + blob->payload.size();
      view.matches.push_back(std::move(*blob));
    }
    auto target_blob = read_blob(bytes, at + target, at + next);
    if (!target_blob) {
      return std::nullopt;
    }
    view.target = std::move(*target_blob);
    out.push_back(std::move(view));
    at += next;
  }
  return out;
}

std::optional<int> standard_verdict(const XtBlob& target) {
  int verdict = 0;
  if (!target.name.empty() || target.payload.size() < sizeof verdict) {
    return std::nullopt;
  }
  std::memcpy(&verdict, target.payload.data(), sizeof verdict);
  return verdict;
}

std::string error_name(const XtBlob& target) {
  const auto* p = reinterpret_cast<const char*>(target.payload.data());
  return std::string(p, strnlen(p, target.payload.size()));
}

bool is_error(const XtBlob& target) { return target.name == XT_ERROR_TARGET; }

nf::BaseChain base_chain(const std::string& table, unsigned hook, bool policy_drop) {
  nf::BaseChain base;
  base.hook = k_hooks[hook];
  base.policy_drop = policy_drop;
  if (table == "nat") {
    base.type = nf::ChainType::nat;
    // Destination NAT before routing, source NAT after.
    base.priority = (hook == NF_INET_PRE_ROUTING || hook == NF_INET_LOCAL_OUT) ? -100 : 100;
  } else if (table == "raw") {
    base.priority = -300;
  } else if (table == "mangle") {
    base.priority = -150;
    base.type = hook == NF_INET_LOCAL_OUT ? nf::ChainType::route : nf::ChainType::filter;
  } else if (table == "security") {
    base.priority = 50;
  }
  return base;
}

template <typename V>
nf::Action action_of(const EntryView<V>& e, const std::map<std::size_t, std::string>& starts,
                     nf::Family family) {
  nf::Action a;
  const auto verdict = standard_verdict(e.target);
  if (!verdict) {
    return decode_xt_target(e.target.name, e.target.revision, e.target.payload, family);
  }
  if (*verdict >= 0) {
    const auto target = static_cast<std::size_t>(*verdict);
    if (target == e.offset + e.next_offset) {
      a.kind = nf::ActionKind::next;  // a rule without -j falls through
      return a;
    }
    const auto it = starts.find(target);
    if (it == starts.end()) {
      return unknown_action(fmt::format("jump to table offset {}", target));
    }
    a.kind = (e.ip.flags & V::k_goto_flag) != 0 ? nf::ActionKind::goto_ : nf::ActionKind::jump;
    a.chain = it->second;
    return a;
  }
  switch (*verdict) {
    case k_verdict_drop:
      a.kind = nf::ActionKind::drop;
      break;
    case k_verdict_accept:
      a.kind = nf::ActionKind::accept;
      break;
    case k_verdict_queue:
      a.kind = nf::ActionKind::queue;
      break;
    case k_verdict_return:
      a.kind = nf::ActionKind::return_;
      break;
    default:
      return unknown_action(fmt::format("standard verdict {}", *verdict));
  }
  return a;
}

template <typename V>
void parse_table(const LegacyTableDump& dump, nf::Ruleset& out) {
  const std::string source = fmt::format(
      "{} table {}", dump.family == nf::Family::ip6 ? "ip6tables-legacy" : "iptables-legacy", dump.table);
  typename V::GetInfo info{};
  if (dump.info.size() < sizeof info || dump.entries.size() < V::k_entries_offset) {
    out.unread.push_back({source, "table blob too short"});
    return;
  }
  std::memcpy(&info, dump.info.data(), sizeof info);
  const std::span<const std::uint8_t> all(reinterpret_cast<const std::uint8_t*>(dump.entries.data()),
                                          dump.entries.size());
  const auto bytes =
      all.subspan(V::k_entries_offset, std::min<std::size_t>(info.size, all.size() - V::k_entries_offset));
  const auto entries = walk<V>(bytes);
  if (!entries) {
    out.unread.push_back({source, "malformed entry in the table blob"});
    return;
  }

  // Where chains start: built-in chains at hook_entry, user chains right
  // after their ERROR entry. Jumps name these offsets.
  std::map<std::size_t, std::string> starts;
  std::map<std::size_t, unsigned> hook_at;
  std::map<std::size_t, unsigned> policy_at;
  for (unsigned h = 0; h < NF_INET_NUMHOOKS; ++h) {
    if ((info.valid_hooks & (1u << h)) != 0) {
      starts[info.hook_entry[h]] = std::string(k_hook_chains[h]);
      hook_at[info.hook_entry[h]] = h;
      policy_at[info.underflow[h]] = h;
    }
  }
  for (std::size_t i = 0; i + 1 < entries->size(); ++i) {
    if (is_error((*entries)[i].target)) {
      starts[(*entries)[i + 1].offset] = error_name((*entries)[i].target);
    }
  }

  std::string chain;
  bool user_chain = false;
  for (std::size_t i = 0; i < entries->size(); ++i) {
    const EntryView<V>& e = (*entries)[i];
    if (const auto hook = hook_at.find(e.offset); hook != hook_at.end()) {
      chain = std::string(k_hook_chains[hook->second]);
      user_chain = false;
    }
    if (is_error(e.target)) {
      const std::string name = error_name(e.target);
      if (name == XT_ERROR_TARGET) {
        break;  // the table's end marker
      }
      out.chains.push_back({nf::Backend::legacy, dump.family, dump.table, name, std::nullopt});
      chain = name;
      user_chain = true;
      continue;
    }
    if (const auto policy = policy_at.find(e.offset); policy != policy_at.end()) {
      const auto verdict = standard_verdict(e.target);
      out.chains.push_back({nf::Backend::legacy, dump.family, dump.table, chain,
                            base_chain(dump.table, policy->second, verdict && *verdict == k_verdict_drop)});
      continue;
    }
    const bool footer = user_chain && i + 1 < entries->size() && is_error((*entries)[i + 1].target) &&
                        e.matches.empty() && standard_verdict(e.target) == k_verdict_return;
    if (footer) {
      continue;  // the implicit RETURN that ends every user chain
    }
    nf::Rule rule;
    rule.backend = nf::Backend::legacy;
    rule.family = dump.family;
    rule.table = dump.table;
    rule.chain = chain;
    rule.handle = e.offset;
    rule.matches = legacy_ip_matches(e.ip);
    for (const XtBlob& m : e.matches) {
      XtMatchResult decoded = decode_xt_match(m.name, m.revision, m.payload, dump.family);
      for (auto& match : decoded.matches) {
        rule.matches.push_back(std::move(match));
      }
      if (!decoded.comment.empty() && rule.comment.empty()) {
        rule.comment = std::move(decoded.comment);
      }
    }
    rule.action = action_of(e, starts, dump.family);
    if (!standard_verdict(e.target)) {
      rule.marks = decode_xt_target_marks(e.target.name, e.target.revision, e.target.payload);
    }
    out.rules.push_back(std::move(rule));
  }
}

}  // namespace

void parse_legacy_table(const LegacyTableDump& dump, nf::Ruleset& out) {
  if (dump.family == nf::Family::ip6) {
    parse_table<V6>(dump, out);
  } else {
    parse_table<V4>(dump, out);
  }
}

}  // namespace whyno::netfilter
