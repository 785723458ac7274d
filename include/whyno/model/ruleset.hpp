#pragma once
// A backend-neutral model of netfilter rules. nftables rules (native or
// written by iptables-nft) and iptables-legacy rules are decoded into this,
// so the diagnosis can walk a packet through every base chain on a hook
// without caring who wrote the rule.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "whyno/util/ip_address.hpp"
#include "whyno/model/netns_facts.hpp"

namespace whyno::nf {

enum class Backend : std::uint8_t { nftables, legacy };
enum class Family : std::uint8_t { ip, ip6, inet, arp, bridge, netdev, other };
enum class Hook : std::uint8_t { prerouting, input, forward, output, postrouting, ingress, other };
enum class ChainType : std::uint8_t { filter, nat, route };
/// Who wrote an nftables rule, as its own bytes show (netfilter/nft_writer.hpp
/// says which signals are real): unknown when iptables-nft and nft would have
/// written the same expressions.
enum class Writer : std::uint8_t { unknown, iptables, nft };

struct BaseChain {
  Hook hook = Hook::other;
  int priority = 0;  // lower runs first; iptables: raw -300, nat dst -100, filter 0
  ChainType type = ChainType::filter;
  bool policy_drop = false;
};

struct Chain {
  Backend backend = Backend::nftables;
  Family family = Family::ip;
  std::string table;
  std::string name;
  std::optional<BaseChain> base;  // nullopt: a regular chain, reached by jump/goto
};

enum class Field : std::uint8_t {
  iifname,
  oifname,
  l4proto,     // ranges hold IP protocol numbers
  nfproto,     // inet tables: 2 = IPv4, 10 = IPv6
  saddr,       // prefixes
  daddr,       // prefixes
  sport,       // ranges
  dport,       // ranges
  saddr_type,  // mask of 1 << RTN_* (RTN_LOCAL = 2, so local = 0x4)
  daddr_type,
  ct_state,   // mask: invalid 1, established 2, related 4, new 8, untracked 64,
              // and k_ct_state_snat / k_ct_state_dnat (xt_conntrack's --ctstate SNAT,DNAT)
  ct_status,  // mask of IPS_* bits (IPS_DST_NAT 0x20): holds when any is set
  mark,       // ranges hold values; mask holds the mask applied first (0 = none)
  // What real firewalls write beyond addresses and ports (issue 22; the
  // inventory of what is evaluated and what is not: src/core/firewall/EVALUATION.md).
  tcp_flags,  // the TCP flags byte: (flags & mask) is one of ranges (mask 0: the whole byte)
  port_pair,  // both ports in one compare (iptables-nft's --sport A --dport B): ranges hold A << 16 | B
  any_port,   // either port is in ranges (multiport --ports)
  ct_mark,    // the connection's mark, as mark
  rpfilter,   // the reverse path is valid: a route back to the source leaves by the input interface
  ip6_routing_header,  // the packet carries an IPv6 routing header; ordinary ones do not
  always,      // holds for every packet (nfacct, recent --set, statistic --every 1); text says what it is
  random,      // holds for a random share of new connections (statistic, numgen): the walk takes it
  rate_limit,  // holds until a rate is exceeded (limit, hashlimit): the walk's packet has not; negated:
               // "over"
  unknown,     // an expression we do not model, or one that depends on history; text names it in words
};

/// xt_conntrack's virtual states `--ctstate SNAT` and `--ctstate DNAT`: the
/// connection's status has IPS_SRC_NAT / IPS_DST_NAT. They have no nft ct
/// state bit (nft writes `ct status dnat`), so they take bits nft's states
/// (1, 2, 4, 8, 64) leave free.
constexpr std::uint32_t k_ct_state_snat = 1u << 8;
constexpr std::uint32_t k_ct_state_dnat = 1u << 9;
/// IPS_SRC_NAT and IPS_DST_NAT of linux/netfilter/nf_conntrack_common.h
/// (IPS_SRC_NAT_BIT 4, IPS_DST_NAT_BIT 5); core/ may not include it.
constexpr std::uint32_t k_ct_status_snat = 1u << 4;
constexpr std::uint32_t k_ct_status_dnat = 1u << 5;

struct InterfaceName {
  std::string name;
  bool prefix = false;  // iptables "docker+": matches every name starting so
  friend bool operator==(const InterfaceName&, const InterfaceName&) = default;
};

/// One condition on the packet. A rule matches when all its matches do.
/// Where a field takes a set ({80, 443}), the match holds when any element does.
struct Match {
  Field field = Field::unknown;
  bool negated = false;
  std::vector<InterfaceName> interfaces;                        // iifname, oifname
  std::vector<IpPrefix> prefixes;                               // saddr, daddr
  std::vector<std::pair<std::uint32_t, std::uint32_t>> ranges;  // inclusive
  std::uint32_t mask = 0;  // saddr_type, daddr_type, ct_state, ct_status, mark
  std::string text;        // unknown: what the expression was, e.g. "xt match set"
};

enum class ActionKind : std::uint8_t {
  next,  // no verdict (counter, log, mark set): go on with the next rule
  accept,
  drop,
  reject,
  return_,
  jump,
  goto_,
  dnat,
  snat,
  masquerade,
  redirect,
  vmap,  // a verdict map lookup: the verdict depends on a packet field
  queue,
  unknown,
};

struct VmapEntry {
  /// ifname for iifname/oifname maps, decimal for ports, protocols and
  /// numgen, an address for saddr/daddr; a concatenated key joins each
  /// field's text with " . " ("172.30.0.41 . 6 . 80").
  std::string key;
  ActionKind kind = ActionKind::next;  // accept, drop, jump, goto_, return_
  std::string chain;
  std::string comment;  // the element's own (kube-proxy's no-endpoint maps name the Service)
};

struct Action {
  ActionKind kind = ActionKind::next;
  std::string chain;                     // jump, goto_
  std::optional<IpAddress> nat_address;  // dnat/snat; nullopt keeps the address
  std::uint16_t nat_port_min = 0;        // 0 keeps the port
  std::uint16_t nat_port_max = 0;
  Field vmap_key = Field::unknown;  // vmap: which field is looked up
  /// vmap with a concatenated key (`ip daddr . meta l4proto . th dport vmap`):
  /// the fields after vmap_key, in order.
  std::vector<Field> vmap_concat;
  std::vector<VmapEntry> vmap;
  std::string text;  // unknown: what the expression was
};

/// A mark a matching rule sets as a side effect (xt MARK and CONNMARK, nft
/// `meta mark set`, `ct mark set`), which later rules may test:
/// target = (from & and_mask) ^ xor_value.
struct MarkSet {
  enum class Slot : std::uint8_t { value, packet, connection };  // value: from is 0
  Slot target = Slot::packet;                                    // packet or connection
  Slot from = Slot::value;
  std::uint32_t and_mask = 0;
  std::uint32_t xor_value = 0;
};

struct Rule {
  Backend backend = Backend::nftables;
  Family family = Family::ip;
  std::string table;
  std::string chain;
  std::uint64_t handle = 0;  // nft handle; legacy: position in the table blob
  std::vector<Match> matches;
  Action action;
  std::string comment;
  Writer writer = Writer::unknown;  // nftables only; legacy rules are iptables'
  std::vector<MarkSet> marks;       // set when the rule matches, before its action
};

/// Every table of one network namespace. rules are in evaluation order
/// within each chain.
struct Ruleset {
  std::vector<Chain> chains;
  std::vector<Rule> rules;
  std::vector<Unread> unread;  // e.g. legacy tables we could not read
};

std::string_view to_string(Family f);
std::string_view to_string(Hook h);
std::string_view to_string(Backend b);
std::string_view to_string(ActionKind k);

/// The rule in nft-like syntax, for evidence: `iifname != "docker0" tcp dport
/// 8080 dnat to 172.17.0.2:3000`.
std::string describe(const Rule& rule);
/// One match or one action of a rule, in that syntax ("" for ActionKind::next).
std::string describe(const Match& match);
std::string describe(const Action& action);
/// "ip nat DOCKER" (nftables) or "iptables-legacy nat DOCKER".
std::string describe_chain(Backend b, Family f, const std::string& table, const std::string& chain);

/// The chain a rule sits in, or a chain itself, described as above.
std::string describe_chain(const Rule& rule);
std::string describe_chain(const Chain& chain);

}  // namespace whyno::nf
