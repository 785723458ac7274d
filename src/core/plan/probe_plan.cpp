#include "whyno/core/plan/probe_plan.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "whyno/core/plan/client_addresses.hpp"
#include "whyno/core/plan/container_lookup.hpp"
#include "whyno/model/listeners.hpp"
#include "whyno/util/printable.hpp"

namespace whyno {

namespace {

constexpr int k_rootless_settle_ms = 500;

bool held_by_rootless_forwarder(const Facts& facts, const Query& q) {
  return std::any_of(facts.host.listeners.begin(), facts.host.listeners.end(), [&](const Listener& l) {
    return l.port == q.port && l.protocol == q.protocol &&
           std::any_of(l.owners.begin(), l.owners.end(),
                       [](const ProcessRef& p) { return is_rootlessport(p) || is_rootlesskit(p); });
  });
}

}  // namespace

ProbeDecision plan_probe(const Query& q, const Facts& facts) {
  ProbeDecision decision;
  const std::string text = fmt::format("{}:{}", q.target.text, q.port);
  ProbePlan plan;
  plan.text = text;
  plan.port = q.port;
  plan.protocol = q.protocol;
  if (q.from_remote()) {
    // Sent from the namespace of this host that holds the client's address
    // (a twin's client, a lab's router), as the client would send it.
    const std::optional<IpAddress> dialled = q.target.ip ? q.target.ip
                                             : facts.resolved_addresses.empty()
                                                 ? std::nullopt
                                                 : std::optional(facts.resolved_addresses.front());
    if (!facts.client_netns || !dialled) {
      decision.skipped = fmt::format(
          "not probed: whyno-port cannot send from {}, a client outside "
          "this host",
          q.from->text);
      return decision;
    }
    plan.netns_path = facts.client_netns->path;
    plan.settle_ms = held_by_rootless_forwarder(facts, q) ? k_rootless_settle_ms : 0;
    plan.address = dialled;
    plan.from =
        fmt::format("{} (namespace `{}` holds it)", q.from->text, printable(facts.client_netns->label));
    decision.plan = plan;
    return decision;
  }
  if (!q.from) {
    plan.from = "this host";
    plan.settle_ms = held_by_rootless_forwarder(facts, q) ? k_rootless_settle_ms : 0;
    const std::vector<IpAddress> addresses = detail::client_addresses(q, facts);
    if (addresses.empty()) {
      decision.skipped = fmt::format("not probed: {} does not resolve", q.target.text);
      return decision;
    }
    plan.address = addresses.front();
    plan.fallbacks.assign(addresses.begin() + 1, addresses.end());
    decision.plan = plan;
    return decision;
  }

  const Container* client = facts.engine ? look_up_container(*facts.engine, q.from->text).found : nullptr;
  if (client == nullptr) {
    decision.skipped = fmt::format("not probed: no container {}", q.from->text);
    return decision;
  }
  const Container* owner = network_owner(*facts.engine, *client);
  const Container& ns_holder = owner != nullptr ? *owner : *client;
  if (!ns_holder.state.running || ns_holder.state.pid <= 0) {
    decision.skipped = fmt::format("not probed: container {} is not running", ns_holder.name);
    return decision;
  }
  if (ns_holder.engine_uid != 0 && !facts.container_netns.contains(ns_holder.id)) {
    // A user's engine names the PID: it was believed only if its namespace
    // was read (gather checked it is the user's); never dial from another's.
    decision.skipped = fmt::format("not probed: the namespace of container {} was not read", ns_holder.name);
    return decision;
  }
  plan.netns_pid = ns_holder.state.pid;
  plan.from = fmt::format("container `{}`", client->name);
  plan.hosts_file = client->hosts_path;
  plan.hosts_file_owner = client->engine_uid;

  if (q.target.is_this_host_loopback()) {
    plan.address = q.target.local_address();
  } else if (q.target.ip) {
    plan.address = q.target.ip;
  } else {
    plan.name = q.target.text;
    plan.use_embedded_dns =
        std::any_of(ns_holder.networks.begin(), ns_holder.networks.end(),
                    [&](const ContainerNetwork& n) { return is_user_defined(*facts.engine, n); });
    if (is_podman(*facts.engine, ns_holder)) {
      // aardvark-dns answers on the gateway of each network with DNS on
      // (resolv.conf lists it first); there is no 127.0.0.11.
      const auto with_dns = std::find_if(
          ns_holder.networks.begin(), ns_holder.networks.end(),
          [&](const ContainerNetwork& n) { return n.gateway && is_user_defined(*facts.engine, n); });
      plan.use_embedded_dns = with_dns != ns_holder.networks.end();
      if (plan.use_embedded_dns) {
        plan.dns_server = with_dns->gateway;
      }
    }
  }
  decision.plan = plan;
  return decision;
}

bool probe_agrees(Verdict verdict, Protocol protocol, ProbeResult::Outcome outcome) {
  using Outcome = ProbeResult::Outcome;
  if (verdict == Verdict::inconclusive) {
    return true;  // "cannot say" fits whatever the probe saw; the probe line says what it was
  }
  const bool reachable = verdict == Verdict::reachable;
  switch (outcome) {
    case Outcome::answered:
      // Another owner of the port answering is the symptom of a conflict.
      return reachable || verdict == Verdict::host_port_conflict;
    case Outcome::connected:
      return reachable || verdict == Verdict::backlog_full || verdict == Verdict::app_not_accepting ||
             verdict == Verdict::container_not_running || verdict == Verdict::firewall_blocked ||
             verdict == Verdict::host_port_conflict;
    case Outcome::reset_or_closed:
      // Something accepted the connection: a proxy or an app, so the port
      // is not simply unpublished or unreachable.
      return !reachable && verdict != Verdict::nothing_published && verdict != Verdict::name_not_resolvable &&
             verdict != Verdict::no_shared_network && verdict != Verdict::no_network &&
             verdict != Verdict::host_network;
    case Outcome::timed_out:
      return protocol == Protocol::udp || !reachable;
    case Outcome::refused:
    case Outcome::unresolved:
    case Outcome::unreachable:
      return !reachable;
    case Outcome::error:
    case Outcome::skipped:
      break;
  }
  return true;
}

}  // namespace whyno
