#pragma once
// ufw's own words for a rule ufw wrote: what `ufw status` shows and what
// `ufw delete` takes, e.g. "deny proto tcp from 203.0.113.2 to any port 80"
// for `-A ufw-user-forward -s 203.0.113.2/32 -p tcp -m tcp --dport 80 -j DROP`.

#include <optional>
#include <string>

#include "whyno/model/ruleset.hpp"

namespace whyno::detail {

/// The rule in ufw's syntax (action first, no `route`), or nullopt when it
/// holds a condition ufw's syntax has no words for (then `ufw status
/// numbered` and `ufw delete N` are the way).
std::optional<std::string> ufw_rule_words(const nf::Rule& rule);

/// "ufw route " for ufw-user-forward's rules, "ufw " for the others.
std::string ufw_command_prefix(const nf::Rule& rule);

}  // namespace whyno::detail
