#include "vmap_lookup.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace whyno::nf {

namespace {

std::optional<std::uint64_t> number_of(const std::string& text) {
  std::uint64_t n = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, n);
  return error == std::errc() && stop == end ? std::optional(n) : std::nullopt;
}

/// The packet's value for one key field, as the decoder writes a map's keys
/// (netfilter/nft_value.cpp, vmap_key_text).
std::optional<std::string> key_text(Field field, const Packet& p) {
  switch (field) {
    case Field::iifname:
      return p.input_interface;
    case Field::oifname:
      return p.output_interface;
    case Field::dport:
      return std::to_string(p.destination_port);
    case Field::sport:
      return p.source_port == 0 ? std::nullopt : std::optional(std::to_string(p.source_port));
    case Field::l4proto:
      return std::to_string(p.l4proto);
    case Field::nfproto:
      return std::string(p.destination.is_v4() ? "2" : "10");
    case Field::saddr:
      return p.source.to_string();
    case Field::daddr:
      return p.destination.to_string();
    default:
      return std::nullopt;
  }
}

/// The entry of a numgen map `random` picks, its entries in key order.
const VmapEntry* random_entry(const Action& map, RandomChoice& random) {
  std::vector<std::pair<std::uint64_t, const VmapEntry*>> keyed;
  for (const VmapEntry& e : map.vmap) {
    if (const auto n = number_of(e.key)) {
      keyed.emplace_back(*n, &e);
    }
  }
  if (keyed.empty()) {
    return nullptr;
  }
  std::sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return keyed[random.pick(keyed.size())].second;
}

}  // namespace

std::optional<const VmapEntry*> vmap_lookup(const Action& map, const Packet& packet, RandomChoice& random) {
  if (map.vmap_key == Field::random && map.vmap_concat.empty()) {
    return random_entry(map, random);
  }
  std::optional<std::string> key = key_text(map.vmap_key, packet);
  for (const Field f : map.vmap_concat) {
    const std::optional<std::string> part = key_text(f, packet);
    if (!key || !part) {
      return std::nullopt;
    }
    *key += " . " + *part;
  }
  if (!key) {
    return std::nullopt;
  }
  const auto it =
      std::find_if(map.vmap.begin(), map.vmap.end(), [&](const VmapEntry& e) { return e.key == *key; });
  return it == map.vmap.end() ? nullptr : &*it;
}

}  // namespace whyno::nf
