// Nothing carries the packet on to a container: the host port is taken,
// the container is down or unnetworked, or the port is published for the
// other protocol, on another address, or not at all.

#include <algorithm>

#include <fmt/format.h>

#include "container_view.hpp"
#include "host_context.hpp"
#include "core/firewall/host_firewalls.hpp"
#include "core/firewall/kube_words.hpp"
#include "state_problem.hpp"
#include "unpublished.hpp"
#include "whyno/core/plan/container_lookup.hpp"
#include "whyno/model/listeners.hpp"
#include "whyno/util/words.hpp"

namespace whyno::detail {

HostContext::HostContext(const Query& query, const Facts& facts, const IpAddress& destination_address,
                         const std::optional<RemoteClient>& remote_client)
    : q(query),
      f(facts),
      destination(destination_address),
      remote(remote_client),
      pubs(publications_of(facts, query.port)) {
  // As the user typed it, with the address it means when that was a name.
  // A literal, or a namespace's own address (--pid/--netns without ADDRESS).
  const bool literal = (q.target.ip && *q.target.ip == destination) || q.target.kind == Target::Kind::netns;
  dialled = literal ? fmt::format("{}:{}", destination.to_string_for_port(), q.port)
                    : fmt::format("{}:{} ({})", q.target.text, q.port, destination.to_string());
  if (q.container && f.engine) {
    meant = look_up_container(*f.engine, *q.container).found;
  }
}

const Container* HostContext::meant_container() const {
  if (meant != nullptr) {
    return meant;
  }
  if (const Publication* p = publication_where([&](const Publication& pub) {
        return pub.binding.protocol == q.protocol && host_ip_covers(pub.binding.host_ip, destination);
      })) {
    return p->container;
  }
  return nullptr;
}

std::string HostContext::app_port_text(const Container& c) const {
  for (const auto& b : c.intended) {
    if (b.protocol == q.protocol && b.container_port != 0) {
      return std::to_string(b.container_port);
    }
  }
  for (const auto& l : container_listeners(f, c)) {
    if (l.protocol == q.protocol && !l.address.is_loopback() &&
        l.address != *IpAddress::parse("127.0.0.11")) {
      return std::to_string(l.port);
    }
  }
  for (const auto& e : c.exposed) {
    if (e.protocol == q.protocol) {
      return std::to_string(e.port);
    }
  }
  return "<container port>";
}

namespace {

bool owned_by_engine(const Listener& l) {
  return !l.owners.empty() && std::all_of(l.owners.begin(), l.owners.end(), is_engine_process);
}

/// Any host socket on the port, whatever its address: who holds it.
const Listener* port_holder(const Facts& f, const Query& q) {
  for (const auto& l : f.host.listeners) {
    if (l.protocol == q.protocol && l.port == q.port) {
      return &l;
    }
  }
  return nullptr;
}

bool is_port_conflict_error(const std::string& error) {
  return error.find("already allocated") != std::string::npos ||
         error.find("address already in use") != std::string::npos;
}

void fail_host_port(const HostContext& h, Walk& w, const std::string& detail, Problem problem) {
  w.fail(fmt::format("host :{}", h.q.port), detail, std::move(problem));
}

void explain_start_conflict(const HostContext& h, Walk& w, const Container& c, const Listener* holder) {
  std::string owner;
  if (holder != nullptr && !owned_by_engine(*holder)) {
    owner = fmt::format("{} on the host", describe_owners(*holder));
  } else if (const Publication* p = h.publication_where([&](const Publication& pub) {
               return pub.container != &c && pub.live && pub.binding.protocol == h.q.protocol;
             })) {
    owner = container_phrase(*p->container);
  } else if (holder != nullptr) {
    owner = describe_owners(*holder);
  }
  fail_host_port(
      h, w, owner.empty() ? "already taken" : fmt::format("taken by {}", owner),
      {Verdict::host_port_conflict,
       fmt::format("{} could not start: host port {} was already taken{} (\"{}\").", container_phrase(c),
                   h.q.port, owner.empty() ? "" : fmt::format(" by {}", owner), c.state.error),
       fmt::format("Free port {} (stop {}), or publish {} on another host port, then "
                   "{} start {}.",
                   h.q.port, owner.empty() ? "its owner" : owner, quoted(c.name), cli_of(c), c.name)});
}

void explain_host_network(const HostContext& h, Walk& w, const Container& c) {
  std::vector<std::string> where;
  for (const auto& l : container_listeners(h.f, c)) {
    if (l.protocol == h.q.protocol) {
      where.push_back(fmt::format("{} ({})", describe_bind(l), describe_owners(l)));
    }
  }
  const std::string listens =
      where.empty() ? std::string(" Nothing of it listens on the host either.")
                    : fmt::format(" Its app listens on the host at {}.", join_words(where, "and"));
  fail_host_port(
      h, w, fmt::format("{} uses the host's network", container_phrase(c)),
      {Verdict::host_network,
       fmt::format("{} runs with --network host, so -p {} was ignored: the container "
                   "shares the host's network and publishes nothing.{}",
                   container_phrase(c), h.q.port, listens),
       fmt::format("Dial the port the app listens on directly{}, or drop --network "
                   "host and keep -p {}:<container port>.",
                   where.empty() ? std::string() : fmt::format(" ({})", where.front()), h.q.port)});
}

void explain_address_mismatch(const HostContext& h, Walk& w, const Publication& p) {
  const std::string bound = host_ip_text(p.binding);
  const std::string works = fmt::format(
      "{}:{}", IpAddress::parse(bound) ? IpAddress::parse(bound)->to_string_for_port() : bound, h.q.port);
  show_container(w.diagnosis(), h.f, *p.container);
  fail_host_port(
      h, w, fmt::format("published on {} only", works),
      {Verdict::host_address_mismatch,
       fmt::format("{} publishes port {} only on {}, but the client dials {}.",
                   container_phrase(*p.container), h.q.port, bound, h.dialled),
       h.remote && h.remote->container != nullptr
           ? fmt::format("From a container, {} is its own loopback, not the host's: reach {} by name on a "
                         "network both share ({} network connect NETWORK {}), or publish it on the "
                         "address the client dials as well: -p {}:{}:{}.",
                         bound, quoted(p.container->name), cli_of(*p.container),
                         shell_word(h.remote->container->name), h.destination.to_string_for_port(), h.q.port,
                         p.binding.container_port)
       : h.remote ? fmt::format("Publish on every address so other machines reach it: -p "
                                "{}:{} (or -p 0.0.0.0:{}:{}).",
                                h.q.port, p.binding.container_port, h.q.port, p.binding.container_port)
                  : fmt::format("Dial {}, or publish on every address with -p {}:{}.", works, h.q.port,
                                p.binding.container_port)});
}

/// A rootless engine publishes through a process of its own (podman's
/// rootlessport, Docker's rootlesskit), not with DNAT or docker-proxy on the
/// host: no rule is missing. host_path.cpp follows the forwarder when it
/// holds the port and its far side was read; here it did not (no forwarder
/// holds the port, or its namespace could not be read), so the host's hop
/// is unknown rather than a wrong verdict.
bool explain_rootless(const HostContext& h, Walk& w, const Container& c, const Listener* holder) {
  const EngineIdentity* engine = h.f.engine ? engine_of(*h.f.engine, c) : nullptr;
  if (engine == nullptr || !engine->rootless) {
    return false;
  }
  show_container(w.diagnosis(), h.f, c);
  const std::string forwarder = engine->kind == "podman" ? "rootlessport" : "rootlesskit";
  w.unknown(
      fmt::format("host :{}", h.q.port),
      holder != nullptr ? fmt::format("{} listens on {}: the port forwarder of {}, whose far side "
                                      "whyno-port could not read",
                                      describe_owners(*holder), describe_bind(*holder), describe(*engine))
                        : fmt::format("published by {} through {}, but no {} holds the port",
                                      describe(*engine), forwarder, forwarder),
      holder != nullptr ? fmt::format("{} belongs to the rootless engine {}: see what whyno-port could not "
                                      "read (run it as root or as the container's owner).",
                                      container_phrase(c), describe(*engine))
                        : fmt::format("{} belongs to the rootless engine {}, whose {} does not hold port {}: "
                                      "restart the container (its forwarder may have died).",
                                      container_phrase(c), describe(*engine), forwarder, h.q.port));
  return true;
}

/// A rootless engine binds the host port as its user, so a port below
/// net.ipv4.ip_unprivileged_port_start (1024 unless lowered) makes the
/// start fail: podman's rootlessport and rootless Docker both refuse with
/// "cannot expose privileged port".
bool explain_privileged_port(const HostContext& h, Walk& w, const Container& c) {
  const EngineIdentity* engine = h.f.engine ? engine_of(*h.f.engine, c) : nullptr;
  const int start = h.f.sysctls.unprivileged_port_start.value_or(1024);
  const bool refused = c.state.error.find("privileged port") != std::string::npos;
  if (engine == nullptr || !engine->rootless || (h.q.port >= start && !refused)) {
    return false;
  }
  show_container(w.diagnosis(), h.f, c);
  const std::string sysctl = fmt::format("net.ipv4.ip_unprivileged_port_start={}", h.q.port);
  fail_host_port(h, w, fmt::format("below {}: a rootless engine may not bind it", start),
                 {Verdict::container_not_running,
                  fmt::format("{} {}, because {} is rootless and may not bind host port {}: ports "
                              "below net.ipv4.ip_unprivileged_port_start ({}) need root.",
                              container_phrase(c), state_phrase(c), describe(*engine), h.q.port, start),
                  fmt::format("Publish it on a port of {} or above (e.g. -p {}:{}), or let users bind "
                              "from {} up: sysctl -w {} (and put it in /etc/sysctl.d to keep it), "
                              "then {} start {}.",
                              start, std::max(start, 8000) + h.q.port % 1000, h.app_port_text(c), h.q.port,
                              sysctl, cli_of(c), c.name),
                  {fmt::format("sysctl -w {}", sysctl),
                   fmt::format("echo {} > /etc/sysctl.d/50-unprivileged-ports.conf", sysctl),
                   fmt::format("{} start {}", cli_of(c), shell_word(c.name))}});
  return true;
}

}  // namespace

void explain_missing_rules(const HostContext& h, Walk& w, const Publication& p, bool input_drops) {
  const DaemonConfig* config = h.f.engine ? &h.f.engine->config : nullptr;
  const HostFirewalls firewalls = host_firewalls(h.f.ruleset);
  const bool no_iptables = config != nullptr && !config->iptables;
  std::string why = "were the firewall rules flushed? restarting dockerd rewrites them";
  if (no_iptables && !config->userland_proxy) {
    why = "daemon.json turns off both \"iptables\" and \"userland-proxy\", so Docker publishes nothing";
  } else if (no_iptables) {
    why = "daemon.json has \"iptables\": false, so only docker-proxy could carry it, and none listens";
  } else if (firewalls.firewalld) {
    why = firewalld_flush_reason(firewalls);
  }
  const Listener* holder = input_drops ? port_holder(h.f, h.q) : nullptr;
  const std::string carried =
      holder != nullptr
          ? fmt::format("{} listens on {}, but the host's INPUT rules{} stop the packet first",
                        describe_owners(*holder), describe_bind(*holder),
                        firewalls.firewalld ? " (firewalld's)" : "")
          : std::string(input_drops ? "the host's INPUT rules stop the packet" : "no docker-proxy listens");
  w.diagnosis().disagreements.push_back(
      fmt::format("the engine says {} publishes {}, but the kernel has no DNAT rule{} for it ({})",
                  container_phrase(*p.container), protocol_port(h.q.protocol, h.q.port),
                  input_drops ? "" : " and no docker-proxy", why));
  show_container(w.diagnosis(), h.f, *p.container);
  fail_host_port(
      h, w, input_drops ? "no DNAT rule; INPUT stops it" : "no DNAT rule and no docker-proxy",
      {Verdict::nothing_published,
       fmt::format("{} is meant to publish {}, but nothing in the kernel carries it: "
                   "no DNAT rule matches {} and {} ({}).",
                   container_phrase(*p.container), h.q.port, h.dialled, carried, why),
       no_iptables ? "Turn \"iptables\" (or \"userland-proxy\") back on in daemon.json and restart dockerd."
       : firewalls.firewalld ? firewalld_flush_fix()
                             : "Restart dockerd (or the container) so Docker rewrites its rules, and "
                               "find what flushed them (firewalld, nftables.service, iptables -F)."});
}

/// Nothing carries the packet on to a container. Say why, most specific
/// cause first.
void explain_no_forward(const HostContext& h, Walk& w, const Listener* listener) {
  const std::string what = protocol_port(h.q.protocol, h.q.port);
  const Listener* holder = listener != nullptr ? listener : port_holder(h.f, h.q);
  const Container* meant = h.meant_container();

  // A container that could not start because the port was taken: name the
  // owner, which says more than "not running".
  if (meant != nullptr && meant->state.status == "created" && is_port_conflict_error(meant->state.error)) {
    show_container(w.diagnosis(), h.f, *meant);
    explain_start_conflict(h, w, *meant, holder);
    return;
  }
  if (meant != nullptr && meant->state.running && explain_rootless(h, w, *meant, holder)) {
    return;
  }
  if (meant != nullptr && !meant->state.running && explain_privileged_port(h, w, *meant)) {
    return;
  }
  if (holder == nullptr) {
    if (auto nodeport =
            localhost_nodeport(h.f.ruleset, h.destination, ip_protocol_number(h.q.protocol), h.q.port)) {
      fail_host_port(h, w, "a NodePort, not served on loopback", std::move(*nodeport));
      return;
    }
  }
  if (holder != nullptr && !owned_by_engine(*holder) && listener != nullptr) {
    const std::string owner = describe_owners(*holder);
    std::string lost = meant != nullptr
                           ? fmt::format(", so {} never gets the traffic", container_phrase(*meant))
                           : std::string();
    fail_host_port(h, w, fmt::format("{} listens on {}", owner, describe_bind(*holder)),
                   {Verdict::host_port_conflict,
                    fmt::format("{} reaches {} on the host, not a container: it listens on {}{}.", h.dialled,
                                owner, describe_bind(*holder), lost),
                    fmt::format("Stop or move {} (it owns port {}), or publish the container "
                                "on a free port, e.g. -p {}:<container port>.",
                                owner, h.q.port, h.q.port + 1)});
    return;
  }
  if (meant != nullptr) {
    show_container(w.diagnosis(), h.f, *meant);
    const std::string nothing_serves = fmt::format("nothing serves host port {}", h.q.port);
    if (auto problem = not_running_problem(*meant, nothing_serves)) {
      fail_host_port(h, w, fmt::format("{} {}", container_phrase(*meant), state_phrase(*meant)), *problem);
      return;
    }
    if (auto problem = crash_loop_problem(*meant, h.f.collected_at, nothing_serves)) {
      fail_host_port(h, w, fmt::format("{} keeps restarting", container_phrase(*meant)), *problem);
      return;
    }
    if (shares_host_network(*meant)) {
      explain_host_network(h, w, *meant);
      return;
    }
    if (const Network* internal = h.f.engine ? only_internal_network(*h.f.engine, *meant) : nullptr) {
      fail_host_port(h, w,
                     fmt::format("{} is on --internal network {}", container_phrase(*meant), internal->name),
                     {Verdict::internal_network,
                      fmt::format("{} is on the internal network {}: Docker publishes no port for "
                                  "a container that is only on --internal networks (-p {} was "
                                  "ignored), so only containers on {} can reach it.",
                                  container_phrase(*meant), internal->name, h.q.port, internal->name),
                      fmt::format("Reach it from a container on {} (docker network connect {} "
                                  "CLIENT), or connect {} to a network that is not internal as "
                                  "well and publish the port there.",
                                  internal->name, internal->name, quoted(meant->name))});
      return;
    }
    if (const Network* macvlan = h.f.engine ? only_macvlan_network(*h.f.engine, *meant) : nullptr) {
      const auto parent = macvlan->options.find("parent");
      const std::string link =
          parent != macvlan->options.end() ? fmt::format("{}'s", parent->second) : "the parent's";
      const ContainerNetwork& n = meant->networks.front();
      const std::string own = n.ipv4   ? n.ipv4->to_string()
                              : n.ipv6 ? n.ipv6->to_string()
                                       : std::string("its address");
      fail_host_port(
          h, w,
          fmt::format("{} is on {} network {}", container_phrase(*meant), macvlan->driver, macvlan->name),
          {Verdict::nothing_published,
           fmt::format("{} is on the {} network {}: Docker publishes no port there (-p {} was "
                       "ignored). The container has an address of its own on {} link, {}, which "
                       "other machines dial directly.",
                       container_phrase(*meant), macvlan->driver, quoted(macvlan->name), h.q.port, link, own),
           fmt::format("Dial {} on the container's own port from another machine on {} link (this "
                       "host reaches it only through a {} interface of its own: see "
                       "macvlan-host-isolated); or attach {} to a bridge network as well and publish "
                       "the port there.",
                       own, link, macvlan->driver, quoted(meant->name))});
      return;
    }
    if (has_no_network(*meant)) {
      fail_host_port(h, w, fmt::format("{} has no network", container_phrase(*meant)),
                     {Verdict::no_network,
                      fmt::format("{} runs with --network none: it has only a loopback "
                                  "interface, so -p {} was ignored and nothing can reach it.",
                                  container_phrase(*meant), h.q.port),
                      fmt::format("Re-create {} on a network (drop --network none) to publish "
                                  "its port.",
                                  quoted(meant->name))});
      return;
    }
  }
  // Published for the other protocol, or on another host address?
  const Publication* other_protocol =
      h.publication_where([&](const Publication& p) { return p.binding.protocol != h.q.protocol; });
  const Publication* same_protocol =
      h.publication_where([&](const Publication& p) { return p.binding.protocol == h.q.protocol; });
  if (same_protocol == nullptr && other_protocol != nullptr) {
    const auto& b = other_protocol->binding;
    fail_host_port(
        h, w, fmt::format("published for {} only", to_string(b.protocol)),
        {Verdict::protocol_mismatch,
         fmt::format("{} publishes host port {} for {} only, but the client dials {}.",
                     container_phrase(*other_protocol->container), h.q.port, to_string(b.protocol),
                     to_string(h.q.protocol)),
         fmt::format("Dial it over {} (whyno-port {}/{}), or publish {} as well: "
                     "-p {}:{}/{}.",
                     to_string(b.protocol), h.q.port, to_string(b.protocol), to_string(h.q.protocol),
                     h.q.port, b.container_port, to_string(h.q.protocol))});
    return;
  }
  if (same_protocol != nullptr && !host_ip_covers(same_protocol->binding.host_ip, h.destination)) {
    explain_address_mismatch(h, w, *same_protocol);
    return;
  }
  if (same_protocol != nullptr) {
    explain_missing_rules(h, w, *same_protocol, false);
    return;
  }
  explain_unpublished(h.q, h.f, w);
  if (holder != nullptr && owned_by_engine(*holder) == false) {
    w.diagnosis().evidence.push_back(
        fmt::format("kernel: {} holds {} on the host", describe_owners(*holder), describe_bind(*holder)));
  }
}

}  // namespace whyno::detail
