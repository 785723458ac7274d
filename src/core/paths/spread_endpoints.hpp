#pragma once
// A Service spread over several endpoints (kube-proxy's `-m statistic` rules
// or `numgen random mod N vmap`): each new connection lands on one of them,
// so the path is walked to the first and every other endpoint's app is
// judged too. One that takes no connection fails about one in N connections.

#include <cstdint>
#include <vector>

#include "core/firewall/packet_walk.hpp"
#include "walk.hpp"
#include "whyno/model/facts.hpp"

namespace whyno::detail {

struct SpreadEndpoint {
  IpAddress address;
  std::uint16_t port = 0;
  const nf::Rule* rule = nullptr;  // its DNAT
};

/// The DNAT of every branch, in the rules' order, each address:port once.
std::vector<SpreadEndpoint> spread_endpoints(const std::vector<nf::HookOutcome>& branches);

/// Judges `endpoints` after the first, whose path the caller walked: a hop
/// for them together, and a problem for each whose app takes no connection.
void judge_other_endpoints(Walk& walk, const Facts& facts, Protocol protocol,
                           const std::vector<SpreadEndpoint>& endpoints);

}  // namespace whyno::detail
