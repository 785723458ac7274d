#pragma once
// Engine timestamps (RFC 3339, as Docker writes State.StartedAt) as seconds
// since the epoch, so the core can tell "started a second ago" without a
// clock of its own: the collection time is a fact too.

#include <cstdint>
#include <optional>
#include <string_view>

namespace whyno {

/// "2026-11-22T20:34:44.570921123Z" or with a "+01:00" offset -> epoch
/// seconds; nullopt for anything else (Docker's zero time included).
std::optional<std::int64_t> parse_rfc3339(std::string_view text);

}  // namespace whyno
