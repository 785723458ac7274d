// Following a rootless engine's port forwarder (rootless_forward.hpp).

#include "rootless_forward.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "container_view.hpp"
#include "host_context.hpp"
#include "whyno/core/plan/container_lookup.hpp"
#include "whyno/model/listeners.hpp"

namespace whyno::detail {

std::optional<IpAddress> rootlessport_child_address(const Facts& facts, const Container& c) {
  // podman's getRootlessPortChildIP: the slirp4netns address, else the
  // container's first IPv4 on its (rootless) networks.
  for (const ContainerNetwork& n : c.networks) {
    if (n.ipv4) {
      return n.ipv4;
    }
  }
  const NetnsFacts* ns = netns_of(facts, c);
  if (ns == nullptr) {
    return std::nullopt;
  }
  const auto first_v4 = [](const Interface& i) -> std::optional<IpAddress> {
    for (const InterfaceAddress& a : i.addresses) {
      if (a.address.is_v4() && !a.address.is_loopback()) {
        return a.address;
      }
    }
    return std::nullopt;
  };
  // slirp4netns's device is tap0; a namespace with only one other device
  // (pasta copies the host's names) is as good.
  for (const Interface& i : ns->interfaces) {
    if (i.name == "tap0") {
      if (auto a = first_v4(i)) {
        return a;
      }
    }
  }
  for (const Interface& i : ns->interfaces) {
    if (auto a = first_v4(i)) {
      return a;
    }
  }
  return std::nullopt;
}

const ForwarderNamespace* rootlesskit_namespace(const Facts& facts, const Listener& holder) {
  for (const ProcessRef& owner : holder.owners) {
    if (!is_rootlesskit(owner)) {
      continue;
    }
    const auto it = std::find_if(facts.forwarder_namespaces.begin(), facts.forwarder_namespaces.end(),
                                 [&](const ForwarderNamespace& ns) { return ns.forwarder_pid == owner.pid; });
    if (it != facts.forwarder_namespaces.end()) {
      return &*it;
    }
  }
  return nullptr;
}

Facts facts_inside(const Facts& facts, const ForwarderNamespace& ns) {
  Facts inside;
  inside.collected_at = facts.collected_at;
  inside.host = ns.netns;
  inside.ruleset = ns.ruleset;
  inside.sysctls = ns.sysctls;
  inside.host_owner = ns.uid.value_or(0U);
  if (!facts.engine) {
    return inside;
  }
  // The rootless Docker engines of the forwarder's owner: a container of
  // the rootful engine (or of another user) is not reachable from here, and
  // its 172.17.0.2 may well be the same as one in here.
  std::vector<std::string> endpoints;
  for (const EngineIdentity& e : facts.engine->engines) {
    if (e.kind == "docker" && e.rootless && (!ns.uid || !e.uid || *e.uid == *ns.uid)) {
      endpoints.push_back(e.endpoint);
    }
  }
  const auto ours = [&](const std::string& endpoint) {
    return std::find(endpoints.begin(), endpoints.end(), endpoint) != endpoints.end();
  };
  Engine engine = *facts.engine;
  std::erase_if(engine.containers, [&](const Container& c) { return !ours(c.engine); });
  std::erase_if(engine.networks, [&](const Network& n) { return !ours(n.engine); });
  for (const Container& c : engine.containers) {
    if (const auto it = facts.container_netns.find(c.id); it != facts.container_netns.end()) {
      inside.container_netns.emplace(it->first, it->second);
    }
  }
  inside.engine = std::move(engine);
  return inside;
}

void absorb_inside(Diagnosis& outer, const Diagnosis& inside, const ForwarderNamespace& ns) {
  for (Hop hop : inside.path) {
    // The namespace's own "host" is rootlesskit's child, not this host.
    if (hop.label.starts_with("host :")) {
      hop.label = "rootless netns :" + hop.label.substr(6);
    } else if (!hop.label.empty() && std::all_of(hop.label.begin(), hop.label.end(),
                                                 [](char ch) { return ch >= 'A' && ch <= 'Z'; })) {
      hop.label = "rootless netns " + hop.label;  // a hook there: OUTPUT, INPUT
    }
    outer.path.push_back(std::move(hop));
  }
  const auto append = [](auto& to, const auto& from) { to.insert(to.end(), from.begin(), from.end()); };
  for (const std::string& line : inside.evidence) {
    if (std::find(outer.evidence.begin(), outer.evidence.end(), line) == outer.evidence.end()) {
      outer.evidence.push_back(line);  // the engine's bindings are said once
    }
  }
  append(outer.rules, inside.rules);
  append(outer.trace, inside.trace);
  append(outer.disagreements, inside.disagreements);
  append(outer.unread, inside.unread);
  for (const auto* unread : {&ns.netns.unread, &ns.ruleset.unread}) {
    for (const Unread& u : *unread) {
      outer.unread.push_back({fmt::format("{} in rootless Docker's namespace", u.source), u.reason});
    }
  }
  outer.app_socket = inside.app_socket;  // the app the path ends at, inside
  outer.app_place = inside.app_place;
  if (inside.container) {
    outer.container = inside.container;
    outer.listeners_title = inside.listeners_title;
    outer.listeners = inside.listeners;
    outer.listeners_only_on = inside.listeners_only_on;
    outer.listeners_left_out = inside.listeners_left_out;
  }
}

void walk_through_rootlesskit(const HostContext& h, Walk& w, Diagnosis& d, const Listener& holder,
                              const ForwarderNamespace& inside) {
  const IpAddress loopback = IpAddress::loopback(h.destination.family());
  const std::string owner =
      inside.uid ? fmt::format("rootlesskit (uid {})", *inside.uid) : std::string("rootlesskit");
  w.ok(fmt::format("host :{}", h.q.port),
       fmt::format("{} listens on {}", describe_owners(holder), describe_bind(holder)));
  w.ok(fmt::format("{} → {}:{}", owner, loopback.to_string_for_port(), h.q.port),
       fmt::format("rootless Docker's namespace (rootlesskit's child, pid {})", inside.child_pid));
  d.evidence.push_back(
      fmt::format("kernel: {} listens on {} and dials {}:{} in the namespace of its child (pid {}), where "
                  "rootless Docker runs",
                  describe_owners(holder), describe_bind(holder), loopback.to_string_for_port(), h.q.port,
                  inside.child_pid));
  Query inner = h.q;
  inner.target = Target::parse(loopback.to_string());
  inner.from = std::nullopt;
  const Facts facts = facts_inside(h.f, inside);
  const Diagnosis in = diagnose_host(inner, facts, loopback, std::nullopt);
  absorb_inside(d, in, inside);
  if (in.verdict != Verdict::reachable && in.verdict != Verdict::inconclusive) {
    w.note_problem({in.verdict, in.summary, in.fix, in.fix_commands});
  }
  for (const Problem& p : in.also) {
    w.note_problem(p);
  }
  // "127.0.0.1:8080 from this host reaches the app ..." inside is what the
  // user's client reaches through rootlesskit.
  std::string reached = in.summary;
  const std::string inner_client =
      fmt::format("{}:{} from this host", loopback.to_string_for_port(), h.q.port);
  if (reached.starts_with(inner_client)) {
    reached = fmt::format("{} from this host, through {},{}", h.dialled, owner,
                          reached.substr(inner_client.size()));
  }
  w.finish(in.verdict == Verdict::reachable ? reached : std::string());
}

}  // namespace whyno::detail
