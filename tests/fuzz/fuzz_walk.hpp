#pragma once
// After a netfilter parser: walk two packets through every hook of what it
// decoded, so the rules it produced also meet their one consumer
// (core/packet_walk.hpp) — a decoded jump to nowhere, an odd match or a
// loop between chains must not crash or hang the diagnosis.

#include <optional>
#include <string>

#include "core/firewall/packet_walk.hpp"
#include "fuzz_input.hpp"
#include "whyno/model/ruleset.hpp"

namespace whyno::fuzz {

inline void walk_every_hook(const nf::Ruleset& rules) {
  nf::Packet remote;  // a client at 192.0.2.10 dialling the host's 8080 from eth0
  remote.source = *IpAddress::parse("192.0.2.10");
  remote.destination = *IpAddress::parse("192.0.2.1");
  remote.destination_port = 8080;
  remote.input_interface = "eth0";
  remote.destination_type = nf::k_rtn_local;

  nf::Packet local;  // curl [::1]:8080 on the host
  local.source = IpAddress::loopback(IpFamily::v6);
  local.destination = IpAddress::loopback(IpFamily::v6);
  local.source_port = 40000;
  local.destination_port = 8080;
  local.input_interface = "";
  local.output_interface = "lo";
  local.destination_type = nf::k_rtn_local;
  local.source_type = nf::k_rtn_local;

  nf::WalkOptions reroute;
  reroute.reroute = [](const IpAddress&) { return std::optional<std::string>("docker0"); };

  for (const nf::Hook hook : {nf::Hook::prerouting, nf::Hook::input, nf::Hook::forward, nf::Hook::output,
                              nf::Hook::postrouting, nf::Hook::ingress}) {
    for (const nf::Packet* packet : {&remote, &local}) {
      const nf::HookOutcome outcome = nf::walk_hook(rules, hook, *packet, reroute);
      WHYNO_FUZZ_CHECK(outcome.kind == nf::HookOutcome::Kind::accepted || outcome.rule != nullptr ||
                       outcome.policy_chain != nullptr);
    }
  }
}

}  // namespace whyno::fuzz
