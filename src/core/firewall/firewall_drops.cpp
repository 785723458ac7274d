#include "firewall_drops.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "rule_origin.hpp"
#include "rule_syntax.hpp"
#include "whyno/model/container_words.hpp"
#include "whyno/core/plan/container_lookup.hpp"
#include "whyno/util/words.hpp"

namespace whyno::detail {

namespace {

/// The host ports a container publishes for `protocol`, e.g. "8080 and 8443".
std::string published_ports(const Container& c) {
  std::vector<std::string> ports;
  for (const PortBinding& b : c.actual) {
    if (b.host_port != 0) {
      const std::string port = std::to_string(b.host_port);
      if (std::find(ports.begin(), ports.end(), port) == ports.end()) {
        ports.push_back(port);
      }
    }
  }
  return join_words(ports, "or");
}

std::string network_of(const Attachment& at) {
  return at.network != nullptr ? at.network->name : std::string("its network");
}

Problem docker_drop(const RuleOrigin& origin, const nf::Rule& r, const Facts& facts, const nf::Packet& packet,
                    const std::string& flow) {
  const Attachment at =
      facts.engine ? container_with_address(*facts.engine, packet.destination) : Attachment{};
  const std::string target =
      at.container != nullptr ? container_phrase(*at.container) : packet.destination.to_string();
  switch (origin.purpose) {
    case RuleOrigin::Purpose::direct_access: {
      const std::string ports = at.container != nullptr ? published_ports(*at.container) : "";
      return {
          Verdict::firewall_blocked,
          fmt::format("Docker 28 and later blocks direct access to containers from other "
                      "machines, by design: packets sent straight to {}'s address {} are "
                      "dropped ({}).",
                      target, packet.destination.to_string(), authored_display(r, facts)),
          fmt::format("Dial the container's published port on this host's address instead{}; "
                      "or, to reach containers by their own address, create the network "
                      "routed: docker network create -o "
                      "com.docker.network.bridge.gateway_mode_ipv4=routed ... (then only "
                      "the ports given with -p are open).",
                      ports.empty() ? std::string(" (publish one with -p)") : fmt::format(" ({})", ports))};
    }
    case RuleOrigin::Purpose::remote_loopback:
      return {Verdict::firewall_blocked,
              fmt::format("Docker drops packets from other machines to {}: the port is published "
                          "on 127.0.0.1 only ({}).",
                          packet.destination.to_string_for_port(), authored_display(r, facts)),
              "Publish the port on an address other machines reach, e.g. -p 0.0.0.0:PORT:PORT, "
              "or dial it from this host."};
    case RuleOrigin::Purpose::unpublished_port:
      return {Verdict::firewall_blocked,
              fmt::format("Port {} of {} is not published, and Docker drops traffic from outside "
                          "network {} to the ports its containers do not publish ({}).",
                          packet.destination_port, target, network_of(at), authored_display(r, facts)),
              fmt::format("Publish it: re-create {} with -p {}:{} (on a routed network -p also "
                          "opens the container port to direct access), or dial a port it "
                          "publishes.",
                          at.container != nullptr ? quoted(at.container->name) : "the container",
                          packet.destination_port, packet.destination_port)};
    case RuleOrigin::Purpose::inter_container:
      return {Verdict::firewall_blocked,
              fmt::format("Inter-container communication (ICC) is off on network {}, so Docker "
                          "drops traffic between its containers: {} ({}).",
                          network_of(at), flow, authored_display(r, facts)),
              fmt::format("Re-create network {} without -o "
                          "com.docker.network.bridge.enable_icc=false, or connect both containers "
                          "to another network where ICC is on (docker network connect).",
                          network_of(at))};
    case RuleOrigin::Purpose::internal_network:
      return {Verdict::firewall_blocked,
              fmt::format("Network {} is --internal: Docker drops traffic into and out of it "
                          "({}).",
                          network_of(at), authored_display(r, facts)),
              "Reach it from a container on the same network, or use a network that is not "
              "--internal."};
    case RuleOrigin::Purpose::isolation:
      return {Verdict::firewall_blocked,
              fmt::format("Docker keeps its networks apart: {} drops {} from one network to "
                          "another.",
                          authored_display(r, facts), flow),
              "Connect the client to the target's network: docker network connect NETWORK CLIENT."};
    case RuleOrigin::Purpose::none:
      break;
  }
  return {Verdict::firewall_blocked,
          fmt::format("Docker's rule drops {}: {}.", flow, authored_display(r, facts)),
          "Restart dockerd so that it rewrites its rules; if they stay, check the container's "
          "network options."};
}

/// firewalld's zones are per interface: name the one that matters, the
/// container's bridge when forwarded, the arrival interface at INPUT.
std::string firewalld_fix(nf::Hook hook, const nf::Packet& packet) {
  const std::string proto = packet.l4proto == 17 ? "udp" : "tcp";
  const std::optional<std::string>& named =
      hook == nf::Hook::forward ? packet.output_interface : packet.input_interface;
  const std::string interface =
      named && !named->empty() ? *named : std::string(hook == nf::Hook::forward ? "BRIDGE" : "INTERFACE");
  if (hook == nf::Hook::forward) {
    // A zone's --add-port opens INPUT only; forwarding into a zone takes a
    // policy, which Docker's docker-forwarding is for its docker zone.
    return fmt::format(
        "Let firewalld forward it: put the container's bridge {} in Docker's "
        "docker zone (firewall-cmd --permanent --zone=docker --add-interface={}, "
        "then firewall-cmd --reload); Docker's docker-forwarding policy accepts "
        "forwarding into that zone.",
        interface, interface);
  }
  return fmt::format(
      "Open the port in the zone of {} (firewall-cmd --zone=$(firewall-cmd "
      "--get-zone-of-interface={}) --add-port={}/{} --permanent), then "
      "firewall-cmd --reload.",
      interface, interface, packet.destination_port, proto);
}

}  // namespace

std::string hook_name(nf::Hook h) {
  std::string name(nf::to_string(h));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return name;
}

Problem drop_problem(const nf::Rule& r, const Facts& facts, nf::Hook hook, const nf::Packet& packet,
                     const std::string& flow) {
  const RuleOrigin origin = origin_of(r, facts);
  const std::string verb = r.action.kind == nf::ActionKind::reject ? "rejects" : "drops";
  switch (origin.author) {
    case RuleOrigin::Author::docker:
      return docker_drop(origin, r, facts, packet, flow);
    case RuleOrigin::Author::docker_user:
      return {Verdict::firewall_blocked,
              fmt::format("A rule in your DOCKER-USER chain {} {} at {}: {}.", verb, flow, hook_name(hook),
                          authored_display(r, facts)),
              "Allow the traffic in DOCKER-USER before that rule, or delete the rule "
              "(DOCKER-USER sees the container's address and port, after DNAT).",
              nf::delete_commands(nf::authored(facts.ruleset, r), r)};
    case RuleOrigin::Author::ufw:
      return {Verdict::firewall_blocked,
              fmt::format("ufw's {} chain {} {} at {}: {}.", r.chain, verb, flow, hook_name(hook),
                          authored_display(r, facts)),
              hook == nf::Hook::forward
                  ? fmt::format("Allow it with ufw route allow (e.g. ufw route allow proto {} to "
                                "{} port {}), or delete the rule: ufw status numbered, then ufw "
                                "delete N.",
                                packet.l4proto == 17 ? "udp" : "tcp", packet.destination.to_string(),
                                packet.destination_port)
                  : fmt::format("Allow it with ufw allow {}/{}, or delete the rule: ufw status "
                                "numbered, then ufw delete N.",
                                packet.destination_port, packet.l4proto == 17 ? "udp" : "tcp")};
    case RuleOrigin::Author::firewalld:
      return {
          Verdict::firewall_blocked,
          fmt::format("firewalld {} {} at {}: {}.", verb, flow, hook_name(hook), authored_display(r, facts)),
          firewalld_fix(hook, packet)};
    case RuleOrigin::Author::netavark:
    case RuleOrigin::Author::kubernetes:
    case RuleOrigin::Author::user:
      break;
  }
  return {Verdict::firewall_blocked,
          fmt::format("A firewall rule {} {} at {}: {}.", verb, flow, hook_name(hook),
                      authored_display(r, facts)),
          fmt::format("Allow the traffic before that rule in {}, or delete the rule.", nf::describe_chain(r)),
          origin.author == RuleOrigin::Author::user ? nf::delete_commands(nf::authored(facts.ruleset, r), r)
                                                    : std::vector<std::string>{}};
}

Problem policy_drop_problem(const nf::Chain& c, const nf::HookOutcome& out, const Facts& facts, nf::Hook hook,
                            const std::string& flow) {
  const std::string chain = nf::describe_chain(c.backend, c.family, c.table, c.name);
  // Accepts in other tables' base chains on this hook came first, and were
  // final only within their own base chain.
  std::vector<std::string> accepted_by;
  for (const nf::Rule* r : out.trace) {
    if (r->action.kind == nf::ActionKind::accept && (r->table != c.table || r->family != c.family)) {
      const RuleOrigin origin = origin_of(*r, facts);
      const std::string by = origin.author == RuleOrigin::Author::user
                                 ? nf::describe_chain(*r)
                                 : fmt::format("{} {}", origin.who, nf::describe_chain(*r));
      if (std::find(accepted_by.begin(), accepted_by.end(), by) == accepted_by.end()) {
        accepted_by.push_back(by);
      }
    }
  }
  if (!accepted_by.empty()) {
    return {Verdict::firewall_blocked,
            fmt::format("{} accepts {} at {}, but the {} chain's policy is drop, and an accept is "
                        "final only within its own table's base chain, so the packet is dropped.",
                        join_words(accepted_by, "and"), flow, hook_name(hook), chain),
            fmt::format("Accept the traffic in {} too (or make its policy accept); with Docker's "
                        "nftables backend, daemon.json's bridge-accept-fwmark marks Docker's "
                        "traffic so such a chain can accept it.",
                        chain)};
  }
  return {Verdict::firewall_blocked,
          fmt::format("The {} chain's policy is drop, and no rule accepts {} at {}.", chain, flow,
                      hook_name(hook)),
          hook == nf::Hook::forward
              ? "Docker accepts published traffic in its own chains; if they are missing, restart "
                "dockerd to rewrite them (were the rules flushed?), or accept the traffic in "
                "DOCKER-USER."
              : fmt::format("Accept the traffic in {}, or change its policy.", chain)};
}

}  // namespace whyno::detail
