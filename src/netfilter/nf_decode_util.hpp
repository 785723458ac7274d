#pragma once
// Small pieces every netfilter decoder (nftables expressions, xt payloads,
// iptables-legacy entries) shares.

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>

#include "whyno/model/ruleset.hpp"

namespace whyno::netfilter {

/// A kernel struct copied out of a payload, or nullopt when it is too short.
/// Copying (not casting) keeps unaligned payloads safe.
template <typename T>
std::optional<T> read_struct(std::span<const std::uint8_t> info) {
  if (info.size() < sizeof(T)) {
    return std::nullopt;
  }
  T value{};
  std::memcpy(&value, info.data(), sizeof(T));
  return value;
}

/// A condition we cannot model: kept, so the rule is not taken to match more
/// than it does.
inline nf::Match unknown_match(std::string text) {
  nf::Match m;
  m.field = nf::Field::unknown;
  m.text = std::move(text);
  return m;
}

inline nf::Action unknown_action(std::string text) {
  nf::Action a;
  a.kind = nf::ActionKind::unknown;
  a.text = std::move(text);
  return a;
}

}  // namespace whyno::netfilter
