#pragma once
// The answer: a verdict, the path as hops, the evidence and the fix.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "whyno/model/facts.hpp"
#include "whyno/model/netns_facts.hpp"
#include "whyno/model/verdict.hpp"

namespace whyno {

enum class HopState { ok, failed, unknown };

/// One step of the path, e.g. "host :8080", "DNAT 172.17.0.2:3000 (container
/// web)", "web eth0", "app".
struct Hop {
  std::string label;
  HopState state = HopState::ok;
  std::string detail;
};

/// A problem found besides the verdict (problems stack up; the verdict is the
/// first hop that fails).
struct Problem {
  Verdict verdict = Verdict::reachable;
  std::string summary;
  std::string fix;
  /// The fix as shell commands to paste, in order, when it is one; a line
  /// that makes it persist comes last.
  std::vector<std::string> commands{};
};

/// The active probe next to the verdict.
struct ProbeReport {
  ProbeResult result;
  bool agrees = true;
  std::string note;  // said plainly when the probe and the verdict disagree
  /// What the probe proves of the path to the app, when it proves it:
  /// "arrival" (its connection was seen on the app's socket, in the app's
  /// namespace), "answer" (the app's socket was reached and the peer
  /// answered), "" (nothing beyond its outcome).
  std::string proof;
};

struct ContainerSummary {
  std::string name;
  std::string id;
  std::string state;        // the engine's State.Status
  unsigned engine_uid = 0;  // whose engine reported it: 0 root's
  Pod pod;                  // the Kubernetes pod it is, when known
};

/// A netfilter rule the verdict rests on: in the syntax its author used and
/// in the backend-neutral form.
struct RuleRef {
  std::string syntax;   // "iptables" (iptables-nft, iptables-legacy) or "nft"
  std::string tool;     // "iptables-nft", "ip6tables-legacy", "nft", ...
  std::string text;     // the rule in that syntax: "-A DOCKER-USER ... -j DROP"
  std::string display;  // text with its place, as the text output shows it
  std::string backend;  // "nftables" or "iptables-legacy"
  std::string family;   // "ip", "ip6", "inet", ...
  std::string table;
  std::string chain;
  std::size_t position = 0;             // 1-based in its chain
  std::optional<std::uint64_t> handle;  // nft syntax: the rule's handle
  std::string neutral;                  // the backend-neutral form (nft-like)
  std::string action;                   // "accept", "drop", "dnat", "jump", ...
  friend bool operator==(const RuleRef&, const RuleRef&) = default;
};

/// One step of --explain's walk of the packet through netfilter.
struct TraceStep {
  std::string hook;  // "prerouting", "output", ...
  /// "chain" (a base chain starts), "rule" (a rule evaluated), "jump",
  /// "goto", "return", "nat" (the destination changes), "reroute" (a new
  /// output interface), "verdict" (a base chain's or the hook's end).
  std::string event;
  std::size_t depth = 0;        // 0 in a base chain, 1 in a chain it jumps to, ...
  std::string chain;            // "ip filter FORWARD" (describe_chain)
  std::string text;             // the rule (author's syntax), the verdict, the new destination
  std::optional<bool> matched;  // rule: true, false; nullopt when it cannot be evaluated
  std::string why_not;          // rule, not matched: the first condition that fails
  bool deciding = false;        // the rule or verdict the hook's outcome rests on
  friend bool operator==(const TraceStep&, const TraceStep&) = default;
};

/// One address a client on this host dials, in the order it dials them
/// (curl: ::1 then 127.0.0.1 for localhost; a name's addresses as happy
/// eyeballs orders them), and what the path to it gives.
struct AddressAttempt {
  IpAddress address;
  Verdict verdict = Verdict::inconclusive;
  std::string summary;
  /// The client's connect() fails there (refused, dropped, unreachable: no
  /// socket on this host accepted it), so it goes on to its next address.
  bool connect_fails = false;
};

struct Diagnosis {
  // Until a walk finishes, nothing is known; a path never defaults to working.
  Verdict verdict = Verdict::inconclusive;
  std::string summary;                    // one sentence
  std::string fix;                        // empty when nothing needs fixing
  std::vector<std::string> fix_commands;  // the fix to paste, when it is commands
  std::vector<Hop> path;
  std::optional<ContainerSummary> container;  // the container the path ends in
  std::string listeners_title;                // e.g. "Listening sockets in container web"
  std::vector<Listener> listeners;            // evidence: that namespace's sockets
  /// What the listeners leave out: only these ports were read (empty:
  /// every port), and this many more were found but not kept.
  std::vector<std::uint16_t> listeners_only_on;
  std::uint32_t listeners_left_out = 0;
  std::vector<std::string> evidence;       // facts the verdict rests on
  std::vector<RuleRef> rules;              // the netfilter rules among them
  std::vector<TraceStep> trace;            // --explain: the walk, step by step
  std::vector<std::string> disagreements;  // engine intent vs kernel truth
  std::vector<Problem> also;
  std::vector<Unread> unread;
  /// Users' engines' claims that root's engines contradict: left out.
  std::vector<NotBelieved> not_believed;
  std::optional<ProbeReport> probe;
  std::vector<EngineIdentity> engines;  // the engines read (none with --pid/--netns)
  /// When the client has several addresses to try: each one it tries, in
  /// order, up to the first whose connect() succeeds. Empty with one address.
  std::vector<AddressAttempt> addresses;
  /// Something accepts the connection, so connect() succeeds whatever fails
  /// behind it: a socket on this host (docker-proxy, another process owning
  /// the port), or the app of another container the port belongs to.
  bool connection_accepted = false;
  /// The app's listening socket the path ends at (its inode), when it takes
  /// the traffic, and where it is ("in container `web`", "on the host"):
  /// a probe's connection still in its accept queue afterwards means the
  /// app never accepted it.
  std::uint64_t app_socket = 0;
  std::string app_place;
};

}  // namespace whyno
