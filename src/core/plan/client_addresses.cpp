#include "whyno/core/plan/client_addresses.hpp"

#include <algorithm>

namespace whyno {

std::optional<IpAddress> host_destination(const Query& query, const Facts& facts) {
  if (auto local = query.target.local_address()) {
    return local;
  }
  if (query.target.kind == Target::Kind::netns && facts.engine) {
    // --pid/--netns without ADDRESS: the namespace's own first address.
    for (const Container& c : facts.engine->containers) {
      if (c.kind == Container::Kind::namespace_only && !c.networks.empty()) {
        const ContainerNetwork& n = c.networks.front();
        return n.ipv4 ? n.ipv4 : n.ipv6;
      }
    }
  }
  if (!facts.resolved_addresses.empty()) {
    const IpAddress& first = facts.resolved_addresses.front();
    return first.unmapped_v4().value_or(first);
  }
  return std::nullopt;
}

namespace detail {

std::vector<IpAddress> client_addresses(const Query& query, const Facts& facts) {
  if (query.target.kind == Target::Kind::localhost) {
    std::vector<IpAddress> out;
    const IpAddress v6 = IpAddress::loopback(IpFamily::v6);
    if (has_interface_address(facts.host, v6)) {
      out.push_back(v6);
    }
    out.push_back(IpAddress::loopback(IpFamily::v4));
    return out;
  }
  if (query.target.kind != Target::Kind::name) {
    const auto one = host_destination(query, facts);
    return one ? std::vector<IpAddress>{*one} : std::vector<IpAddress>{};
  }
  std::vector<IpAddress> out;
  for (const IpAddress& a : facts.resolved_addresses) {
    const IpAddress dialled = a.unmapped_v4().value_or(a);
    if (std::find(out.begin(), out.end(), dialled) == out.end()) {
      out.push_back(dialled);
    }
  }
  if (!out.empty()) {
    const IpFamily first = out.front().family();
    std::stable_partition(out.begin(), out.end(), [&](const IpAddress& a) { return a.family() == first; });
  }
  return out;
}

}  // namespace detail

}  // namespace whyno
