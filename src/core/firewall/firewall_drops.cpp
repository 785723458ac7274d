#include "firewall_drops.hpp"
#include "host_firewalls.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "kube_words.hpp"
#include "rule_origin.hpp"
#include "rule_syntax.hpp"
#include "ufw_words.hpp"
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
Problem firewalld_fix(const Facts& facts, nf::Hook hook, const nf::Packet& packet) {
  const std::string proto = packet.l4proto == 17 ? "udp" : "tcp";
  const std::optional<std::string>& named =
      hook == nf::Hook::forward ? packet.output_interface : packet.input_interface;
  const std::string interface =
      named && !named->empty() ? *named : std::string(hook == nf::Hook::forward ? "BRIDGE" : "INTERFACE");
  Problem p;
  if (hook == nf::Hook::forward) {
    // A zone's --add-port opens INPUT only; forwarding into a zone takes a
    // policy, which Docker's docker-forwarding is for its docker zone.
    p.fix = fmt::format(
        "Let firewalld forward it: put the container's bridge {} in Docker's "
        "docker zone (firewall-cmd --permanent --zone=docker --add-interface={}, "
        "then firewall-cmd --reload); Docker's docker-forwarding policy accepts "
        "forwarding into that zone.",
        interface, interface);
    if (named && !named->empty()) {
      p.commands = {
          fmt::format("firewall-cmd --permanent --zone=docker --add-interface={}", shell_word(interface)),
          "firewall-cmd --reload"};
    }
    return p;
  }
  const std::optional<std::string> zone =
      named && !named->empty() ? firewalld_zone_of(facts.ruleset, interface) : std::nullopt;
  if (!zone) {
    p.fix = fmt::format(
        "Open the port in the zone of {} (firewall-cmd --zone=$(firewall-cmd "
        "--get-zone-of-interface={}) --add-port={}/{} --permanent), then "
        "firewall-cmd --reload.",
        interface, interface, packet.destination_port, proto);
    return p;
  }
  p.fix = fmt::format(
      "Open the port in firewalld's zone {}, which {} is in: firewall-cmd --permanent --zone={} "
      "--add-port={}/{}, then firewall-cmd --reload.",
      *zone, interface, *zone, packet.destination_port, proto);
  p.commands = {fmt::format("firewall-cmd --permanent --zone={} --add-port={}/{}", shell_word(*zone),
                            packet.destination_port, proto),
                "firewall-cmd --reload"};
  return p;
}

/// ufw's own command for what ufw's policy or ufw-docker's deny stops: `ufw
/// route allow` for forwarded traffic (as ufw-docker documents it: the
/// container's port), `ufw allow in on IFACE` for the host's own services.
Problem ufw_fix(nf::Hook hook, const nf::Packet& packet) {
  const std::string proto = packet.l4proto == 17 ? "udp" : "tcp";
  Problem p;
  std::string command;
  if (hook == nf::Hook::forward) {
    command = fmt::format("ufw route allow proto {} from any to any port {}", proto, packet.destination_port);
    p.fix = fmt::format(
        "Allow it in ufw, as ufw-docker does: {} (the container's port, which ufw sees after "
        "Docker's DNAT).",
        command);
  } else {
    const std::string on = packet.input_interface && !packet.input_interface->empty()
                               ? fmt::format("in on {} ", shell_word(*packet.input_interface))
                               : std::string();
    command = fmt::format("ufw allow {}to any port {} proto {}", on, packet.destination_port, proto);
    p.fix =
        fmt::format("Allow it in ufw: {} (add `from ADDRESS/PREFIX` to let only those clients in).", command);
  }
  p.commands = {command};
  return p;
}

/// A `ufw deny` or `ufw route deny` of the user's own drops the traffic: an
/// allow added after it would never be met, and ufw skips an allow it
/// already has, so the way is to delete the deny, in ufw's words; or, to
/// keep it for other clients, to insert an allow for this client first.
Problem ufw_users_rule_fix(const nf::Rule& r, nf::Hook hook, const nf::Packet& packet) {
  const std::string prefix = ufw_command_prefix(r);
  const std::string proto = packet.l4proto == 17 ? "udp" : "tcp";
  const std::string client = packet.source.is_unspecified() ? std::string("any") : packet.source.to_string();
  const std::string on =
      hook != nf::Hook::forward && packet.input_interface && !packet.input_interface->empty()
          ? fmt::format("in on {} ", shell_word(*packet.input_interface))
          : std::string();
  const std::string insert = fmt::format("{}insert 1 allow {}proto {} from {} to any port {}", prefix, on,
                                         proto, client, packet.destination_port);
  Problem p;
  if (const auto words = ufw_rule_words(r)) {
    const std::string remove = fmt::format("{}delete {}", prefix, *words);
    p.commands = {remove};
    // ufw skips an insert whose conditions equal an existing rule's: then
    // the deny is this client's alone, and deleting it is the way.
    const std::string conditions = words->substr(words->find(' ') + 1);
    if (insert.ends_with(" allow " + conditions)) {
      p.fix = fmt::format("Delete your ufw rule that drops it: {}.", remove);
      return p;
    }
    p.fix = fmt::format(
        "Delete your ufw rule that drops it: {}. To keep it for other clients, insert an allow for "
        "this one before it instead: {}.",
        remove, insert);
    return p;
  }
  p.fix = fmt::format(
      "Delete your ufw rule that drops it (ufw status numbered, then ufw delete N), or insert an "
      "allow for this client before it: {}.",
      insert);
  p.commands = {insert};
  return p;
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
    case RuleOrigin::Author::ufw: {
      const std::string summary = fmt::format("ufw's {} chain {} {} at {}: {}.", r.chain, verb, flow,
                                              hook_name(hook), authored_display(r, facts));
      if (r.chain.find("-user-") != std::string::npos) {
        Problem p = ufw_users_rule_fix(r, hook, packet);
        p.verdict = Verdict::firewall_blocked;
        p.summary = summary;
        return p;
      }
      Problem p = ufw_fix(hook, packet);
      p.verdict = Verdict::firewall_blocked;
      p.summary = summary;
      return p;
    }
    case RuleOrigin::Author::firewalld: {
      Problem p = firewalld_fix(facts, hook, packet);
      p.verdict = Verdict::firewall_blocked;
      p.summary =
          fmt::format("firewalld {} {} at {}: {}.", verb, flow, hook_name(hook), authored_display(r, facts));
      return p;
    }
    case RuleOrigin::Author::kubernetes:
      if (const auto kube = kube_drop(r, facts.ruleset, packet)) {
        return kube_problem(*kube, packet, flow, authored_display(r, facts));
      }
      break;
    case RuleOrigin::Author::netavark:
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
  if (host_firewalls(facts.ruleset).ufw && c.table == "filter" &&
      (hook == nf::Hook::input || hook == nf::Hook::forward)) {
    // ufw sets these policies (DEFAULT_INPUT_POLICY, DEFAULT_FORWARD_POLICY): its command opens the way.
    Problem p = ufw_fix(hook, out.packet);
    p.verdict = Verdict::firewall_blocked;
    p.summary =
        fmt::format("The {} chain's policy is drop (ufw's default deny {}), and no rule accepts {} at {}.",
                    chain, hook == nf::Hook::input ? "incoming" : "routed", flow, hook_name(hook));
    return p;
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
