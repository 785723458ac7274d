#pragma once
// Turning a netfilter walk into a hop and a problem.

#include <optional>
#include <string>

#include "walk.hpp"
#include "whyno/model/facts.hpp"
#include "core/firewall/packet_walk.hpp"

namespace whyno::detail {

/// Records a hop for walking `packet` through `hook`; a drop or reject
/// becomes a firewall-blocked problem naming the table, chain and rule.
/// `flow` describes the traffic, e.g. "tcp to 172.17.0.2:3000".
/// Returns the walk's outcome (the packet after any DNAT).
nf::HookOutcome walk_firewall(Walk& walk, const Facts& facts, nf::Hook hook, const nf::Packet& packet,
                              const std::string& flow, const nf::WalkOptions& options = {});

/// Forwarding from `input_interface` on (remote clients to containers).
/// Adds the routing hop and, when forwarding is off, the problem.
void check_forwarding(Walk& walk, const Facts& facts, const std::optional<std::string>& input_interface,
                      const std::optional<std::string>& output_interface);

/// Evidence lines for rules whose matches could not be evaluated.
void note_uncertain(Diagnosis& d, const Facts& facts, const nf::HookOutcome& out);

/// A connection to 127.0.0.1 from this host that a DNAT sends to `to`, out
/// of `output_interface`: the kernel routes a loopback source out of an
/// interface only when its route_localnet (or conf.all's) is 1, and drops
/// it otherwise (kube-proxy's iptables mode sets it for localhost NodePorts,
/// Docker for its published ports without docker-proxy).
void check_route_localnet(Walk& w, const Facts& facts, const std::optional<std::string>& output_interface,
                          const std::string& dialled, const IpAddress& to, std::uint16_t port);

}  // namespace whyno::detail
