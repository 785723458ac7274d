#include "whyno/core/paths/diagnose.hpp"

#include <algorithm>

#include "addresses_diagnosis.hpp"
#include "app_halted.hpp"
#include "whyno/core/plan/client_addresses.hpp"
#include "container_path.hpp"
#include "host_path.hpp"
#include "whyno/core/plan/container_lookup.hpp"
#include "whyno/model/listeners.hpp"
#include "whyno/core/plan/probe_plan.hpp"
#include "routing.hpp"
#include "whyno/util/words.hpp"

#include <fmt/format.h>

namespace whyno {

namespace {

ProbeReport compare_probe(const Query& q, const Diagnosis& d, const ProbeResult& result) {
  ProbeReport report{result, probe_agrees(d.verdict, q.protocol, result.outcome), {}, {}};
  if (report.agrees) {
    return report;
  }
  report.note = d.verdict == Verdict::reachable
                    ? fmt::format(
                          "The facts say the path works, but the probe did not get through ({}). "
                          "Something whyno-port cannot see is in the way: a rule it could not "
                          "evaluate, a policy outside netfilter, or a change while it ran.",
                          result.detail)
                    : fmt::format(
                          "The facts say {}, but the probe got through ({}). The facts may be "
                          "stale (the container changed while whyno-port ran) or incomplete (see "
                          "what could not be read).",
                          code(d.verdict), result.detail);
  return report;
}

const Listener* listener_by_inode(const Facts& facts, std::uint64_t inode) {
  const auto in = [inode](const NetnsFacts& ns) -> const Listener* {
    const auto it = std::find_if(ns.listeners.begin(), ns.listeners.end(),
                                 [inode](const Listener& l) { return l.inode == inode; });
    return it == ns.listeners.end() ? nullptr : &*it;
  };
  if (const Listener* l = in(facts.host)) {
    return l;
  }
  for (const auto& [id, ns] : facts.container_netns) {
    if (const Listener* l = in(ns)) {
      return l;
    }
  }
  return nullptr;
}

/// A path that works to an app whose accept queue still holds connections
/// after the probe's connected in silence: the app never accepted it.
std::optional<Problem> probe_never_accepted(const Query& q, const Facts& facts, const Diagnosis& d,
                                            const ProbeResult& probe) {
  if (d.verdict != Verdict::reachable || q.protocol != Protocol::tcp || d.app_socket == 0 ||
      probe.outcome != ProbeResult::Outcome::connected) {
    return std::nullopt;
  }
  const auto after = std::find_if(probe.listeners_after.begin(), probe.listeners_after.end(),
                                  [&](const ListenerAfterProbe& a) { return a.socket == d.app_socket; });
  const Listener* l = listener_by_inode(facts, d.app_socket);
  if (after == probe.listeners_after.end() || after->waiting == 0 || l == nullptr) {
    return std::nullopt;
  }
  return detail::hung_app(*l, after->waiting, d.app_place);
}

/// The probe's connection reached the app's socket: one more connection on
/// its port, in its namespace, after the probe than before it.
bool probe_arrived(const Facts& facts, const Diagnosis& d, const ProbeResult& probe) {
  if (d.app_socket == 0) {
    return false;
  }
  const Listener* l = listener_by_inode(facts, d.app_socket);
  const auto after = std::find_if(probe.listeners_after.begin(), probe.listeners_after.end(),
                                  [&](const ListenerAfterProbe& a) { return a.socket == d.app_socket; });
  return l != nullptr && after != probe.listeners_after.end() && after->connections > l->connections;
}

/// A path that could not be read to the end, which the probe's connection
/// proves by arriving at the app: rules that cannot be read unprivileged (a
/// rootless engine's owner), a forwarder that accepts first (rootlesskit),
/// matter no more once the connection is seen on the app's socket.
void prove_by_arrival(Diagnosis& d, const ProbeResult& probe, bool arrived) {
  const bool got_through =
      probe.outcome == ProbeResult::Outcome::answered || probe.outcome == ProbeResult::Outcome::connected;
  if (d.verdict != Verdict::inconclusive || !got_through || !arrived) {
    return;
  }
  std::vector<std::string> unread_hops;
  for (Hop& hop : d.path) {
    if (hop.state == HopState::unknown) {
      unread_hops.push_back(hop.label);
      hop.state = HopState::ok;
      hop.detail += "; proven: the probe's connection arrived";
    }
  }
  d.verdict = Verdict::reachable;
  d.summary = fmt::format(
      "The path works: the probe's connection from {} arrived at the app {} ({}), though whyno-port could "
      "not read {}.",
      probe.from, d.app_place, probe.detail,
      unread_hops.empty() ? std::string("every hop") : join_words(unread_hops, "and"));
  d.fix.clear();
  d.fix_commands.clear();
}

}  // namespace

Diagnosis diagnose(const Query& query, const Facts& facts, const std::optional<ProbeResult>& probe) {
  Diagnosis d;
  const std::vector<IpAddress> addresses =
      query.from ? std::vector<IpAddress>{} : detail::client_addresses(query, facts);
  if (query.from_container()) {
    d = detail::diagnose_from_container(query, facts);
  } else if (addresses.size() > 1) {
    d = detail::diagnose_addresses(query, facts, addresses);
  } else if (const auto destination = host_destination(query, facts)) {
    std::optional<detail::RemoteClient> remote;
    if (query.from_remote()) {
      const IpAddress& client = *query.from->ip;
      remote = detail::RemoteClient{client, route_interface(facts.host, client),
                                    fmt::format("client {}", client.to_string())};
    }
    d = detail::diagnose_host(query, facts, *destination, remote);
  } else {
    d.verdict = Verdict::name_not_resolvable;
    d.summary = fmt::format("{} does not resolve to an address on this host.", query.target.text);
    d.fix = "Check the name, or give an IP address.";
    d.path.push_back({fmt::format("resolve {}", query.target.text), HopState::failed, "no address"});
  }
  if (probe) {
    if (auto hung = probe_never_accepted(query, facts, d, *probe)) {
      d.verdict = hung->verdict;
      d.summary = std::move(hung->summary);
      d.fix = std::move(hung->fix);
      d.fix_commands.clear();
      for (Hop& hop : d.path) {
        if (hop.label.starts_with("app :") || hop.label.starts_with("host app :")) {
          hop.label += " not accepting";
          hop.state = HopState::failed;
          hop.detail += "; never accepted the probe's connection";
        }
      }
    }
    // The app's socket is the walk's, which nothing below changes.
    const bool arrived = probe_arrived(facts, d, *probe);
    prove_by_arrival(d, *probe, arrived);
    const bool accepted_first = probe->outcome == ProbeResult::Outcome::connected ||
                                probe->outcome == ProbeResult::Outcome::reset_or_closed;
    if (d.verdict == Verdict::inconclusive && accepted_first && d.app_socket != 0 &&
        !probe->listeners_after.empty() && !arrived) {
      d.summary += fmt::format(
          " The probe's connection completed at this host's end ({}), but never arrived at the app {}: "
          "what accepts first on the way (rootlesskit, docker-proxy) does not carry it on.",
          probe->detail, d.app_place);
    }
    d.probe = compare_probe(query, d, *probe);
    if (arrived) {
      d.probe->proof = "arrival";
    } else if (d.app_socket != 0 && probe->outcome == ProbeResult::Outcome::answered) {
      d.probe->proof = "answer";
    }
    if (d.verdict == Verdict::reachable && !d.probe->agrees) {
      // The facts found no fault, but a real connection failed: whatever is
      // in the way is outside what was read, so this is no all-clear.
      d.verdict = Verdict::inconclusive;
      d.summary = fmt::format(
          "The facts say the path works, but the probe did not get through "
          "({}: {}).",
          outcome_words(probe->outcome), probe->detail);
      d.fix =
          "Look for what whyno-port cannot see: a rule it could not evaluate, a policy "
          "outside netfilter, or a container that changed while it ran; then run it again.";
    } else if (d.verdict != Verdict::inconclusive && !d.probe->agrees) {
      // The probe contradicts the verdict's premise (it resolved the name
      // the facts say cannot be resolved, or got through a path the facts
      // say is broken): the verdict is not issued. What the facts said stays
      // under "also", with its fix, for the reader to weigh.
      d.also.insert(d.also.begin(), Problem{d.verdict, d.summary, d.fix, d.fix_commands});
      d.summary = fmt::format(
          "The facts say {}, but the probe contradicts it: {} ({}). One of them is stale or "
          "incomplete, so whyno-port issues no verdict.",
          code(d.verdict), outcome_words(probe->outcome), probe->detail);
      d.verdict = Verdict::inconclusive;
      d.fix =
          "Run whyno-port again: a container or rule may have changed while it read. If the two "
          "still disagree, see what it could not read, and what the facts said (below).";
      d.fix_commands.clear();
    }
  }
  if (query.netns) {
    d.evidence.push_back(
        "no engine (--pid/--netns): only the kernel's view was read; an engine would also say the "
        "container's name, its port bindings (-p), its networks and aliases, and its state");
  }
  if (facts.engine && !facts.engine->absent.empty()) {
    d.evidence.push_back(
        fmt::format("no engine: {}; the host's sockets, rules and namespaces were read as "
                    "they are",
                    facts.engine->absent));
  }
  if (facts.engine) {
    d.engines = facts.engine->identities();
    d.unread.insert(d.unread.end(), facts.engine->unread.begin(), facts.engine->unread.end());
    d.not_believed = facts.engine->not_believed;
  }
  d.unread.insert(d.unread.end(), facts.unread.begin(), facts.unread.end());
  d.unread.insert(d.unread.end(), facts.host.unread.begin(), facts.host.unread.end());
  d.unread.insert(d.unread.end(), facts.ruleset.unread.begin(), facts.ruleset.unread.end());
  return d;
}

}  // namespace whyno
