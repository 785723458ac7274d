#include "routing.hpp"

namespace whyno {

namespace {

constexpr std::uint8_t k_rtn_unicast = 1;
constexpr std::uint32_t k_table_main = 254;

const Interface* by_index(const NetnsFacts& ns, std::uint32_t index) {
  for (const auto& i : ns.interfaces) {
    if (i.index == index) {
      return &i;
    }
  }
  return nullptr;
}

}  // namespace

bool is_local_address(const NetnsFacts& ns, const IpAddress& a) {
  return a.is_loopback() || has_interface_address(ns, a);
}

const Interface* interface_for_peer(const NetnsFacts& ns, const IpAddress& address) {
  const Interface* best = nullptr;
  unsigned best_length = 0;
  for (const auto& i : ns.interfaces) {
    for (const auto& ia : i.addresses) {
      if (address.in_prefix(ia.address, ia.prefix_len) && (best == nullptr || ia.prefix_len > best_length)) {
        best = &i;
        best_length = ia.prefix_len;
      }
    }
  }
  return best;
}

std::optional<std::string> route_interface(const NetnsFacts& ns, const IpAddress& destination) {
  if (is_local_address(ns, destination)) {
    return "lo";
  }
  const Route* best = nullptr;
  for (const auto& r : ns.routes) {
    if (r.table != k_table_main || r.type != k_rtn_unicast || !r.destination.contains(destination)) {
      continue;
    }
    if (best == nullptr || r.destination.length > best->destination.length) {
      best = &r;
    }
  }
  if (best != nullptr) {
    if (const Interface* i = by_index(ns, best->output_index)) {
      return i->name;
    }
  }
  if (const Interface* i = interface_for_peer(ns, destination)) {
    return i->name;
  }
  return std::nullopt;
}

std::optional<IpAddress> address_on(const NetnsFacts& ns, const std::string& interface_name,
                                    IpFamily family) {
  for (const auto& i : ns.interfaces) {
    if (i.name != interface_name) {
      continue;
    }
    for (const auto& ia : i.addresses) {
      if (ia.address.family() == family) {
        return ia.address;
      }
    }
  }
  return std::nullopt;
}

std::optional<bool> reverse_path_valid(const NetnsFacts& ns, const IpAddress& source,
                                       const std::optional<std::string>& input) {
  if (!input) {
    return std::nullopt;
  }
  if (input->empty() || *input == "lo") {
    return true;
  }
  return route_interface(ns, source) == *input;
}

}  // namespace whyno
