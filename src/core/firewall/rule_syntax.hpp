#pragma once
// A rule as its author wrote it: iptables syntax with its table, chain and
// position for rules written by iptables (iptables-nft or iptables-legacy),
// nft syntax with its handle for native nftables rules. Pure: built from the
// nf::Ruleset model alone.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "whyno/model/ruleset.hpp"

namespace whyno::nf {

enum class Syntax : std::uint8_t { iptables, nft };

std::string_view to_string(Syntax syntax);

struct AuthoredRule {
  Syntax syntax = Syntax::nft;
  /// The tool that wrote it: "iptables-nft", "ip6tables-legacy", "nft".
  std::string tool;
  /// The rule alone: "-A DOCKER-USER -p tcp -m tcp --dport 3000 -j DROP" or
  /// `iifname "eth0" tcp dport 3000 drop`.
  std::string text;
  /// Where it is: "filter DOCKER-USER, rule 1" or "ip filter FORWARD handle 12".
  std::string location;
  std::size_t position = 0;  // 1-based, in its chain
  std::uint64_t handle = 0;  // nft only (0 for iptables syntax)
};

/// Was `rule` written by iptables? Legacy rules always are. An nftables rule
/// is when its own bytes say so (Rule::writer: xt compat expressions,
/// iptables-nft's counter and interface encodings, user data), and is not
/// when they say nft wrote it. When they cannot tell (iptables-nft writes
/// `-p tcp --dport 3000 -j DROP` exactly as nft writes `tcp dport 3000
/// counter drop`), and for snapshots recorded before Rule::writer, its table
/// decides: family ip or ip6, one of iptables' table names (filter, nat,
/// mangle, raw, security), and a base chain with an iptables built-in name
/// (INPUT, FORWARD, ...) or an xt compat expression in the table.
bool written_by_iptables(const Ruleset& rules, const Rule& rule);

/// The 1-based position of `rule` in its chain, as `iptables -L
/// --line-numbers` counts it; 0 if `rule` is not one of `rules`.
std::size_t position_in_chain(const Ruleset& rules, const Rule& rule);

/// `rule` (one of `rules.rules`) in its author's syntax.
AuthoredRule authored(const Ruleset& rules, const Rule& rule);

/// One line: "`-A DOCKER-USER -j DROP` (iptables-nft filter DOCKER-USER, rule 1)"
/// or "ip filter FORWARD handle 12: `iifname "eth0" tcp dport 3000 drop`".
std::string display(const AuthoredRule& rule);

/// Commands that delete `rule` with the tool its author used: the chain
/// listed with its numbers (to see it is still that rule), the delete by
/// position (iptables) or handle (nft), and how to keep it deleted after a
/// reboot. By position and handle, so no text of the rule (a comment, say)
/// ever reaches the shell; names are shell-quoted.
std::vector<std::string> delete_commands(const AuthoredRule& authored, const Rule& rule);

/// The text alone in iptables syntax ("-A CHAIN ..."), whatever the backend.
std::string iptables_text(const Rule& rule);
/// The text alone in nft syntax.
std::string nft_text(const Rule& rule);

}  // namespace whyno::nf
