// Nothing publishes the host port: find the container the user most likely
// meant, and say how to publish it.

#include <algorithm>

#include <fmt/format.h>

#include "unpublished.hpp"

#include "publication.hpp"
#include "container_view.hpp"
#include "whyno/core/plan/container_lookup.hpp"
#include "whyno/model/listeners.hpp"
#include "whyno/util/words.hpp"

namespace whyno::detail {

namespace {

struct Candidate {
  const Container* container = nullptr;
  int rank = 0;                 // higher is likelier
  std::uint16_t app_port = 0;   // the container port to publish
  std::uint16_t host_port = 0;  // where it is published instead, if anywhere
  std::string why;              // "listens on 3000 but publishes nothing"
};

std::vector<Listener> app_listeners(const Facts& facts, const Container& c, Protocol p) {
  std::vector<Listener> out;
  for (auto& l : container_listeners(facts, c)) {
    if (l.protocol == p) {
      out.push_back(std::move(l));
    }
  }
  return out;
}

std::optional<Candidate> consider(const Facts& facts, const Container& c, const Query& q) {
  const auto& bindings = c.state.running ? c.actual : c.intended;
  for (const auto& b : bindings) {
    if (b.protocol == q.protocol && b.host_port != 0 && b.host_port != q.port) {
      return Candidate{&c, 3, b.container_port, b.host_port,
                       fmt::format("publishes its port {} on host port {}, not {}", b.container_port,
                                   b.host_port, q.port)};
    }
  }
  const bool exposes_query_port = std::any_of(c.exposed.begin(), c.exposed.end(), [&](const auto& e) {
    return e.protocol == q.protocol && e.port == q.port;
  });
  const auto owned = app_listeners(facts, c, q.protocol);
  std::vector<const Listener*> listeners;
  for (const auto& l : owned) {
    listeners.push_back(&l);
  }
  std::stable_sort(listeners.begin(), listeners.end(), [&](const Listener* a, const Listener* b) {
    // Prefer the port the user typed, then sockets outside loopback, then
    // exposed ports, then the lowest port.
    const auto key = [&](const Listener* l) {
      const bool exposed = std::any_of(c.exposed.begin(), c.exposed.end(), [&](const auto& e) {
        return e.protocol == q.protocol && e.port == l->port;
      });
      return std::tuple(l->port != q.port, l->address.is_loopback(), !exposed, l->port);
    };
    return key(a) < key(b);
  });
  if (!listeners.empty()) {
    const std::uint16_t port = listeners.front()->port;
    const bool exposed = std::any_of(c.exposed.begin(), c.exposed.end(), [&](const auto& e) {
      return e.protocol == q.protocol && e.port == port;
    });
    return Candidate{&c, 2, port, 0,
                     fmt::format("listens on {}{} but publishes nothing", describe_bind(*listeners.front()),
                                 exposed ? fmt::format(" and EXPOSEs {}", port) : "")};
  }
  for (const auto& e : c.exposed) {
    if (e.protocol == q.protocol) {
      return Candidate{&c, 1, e.port, 0,
                       fmt::format("EXPOSEs {} but publishes nothing", protocol_port(e.protocol, e.port))};
    }
  }
  if (exposes_query_port) {
    return Candidate{&c, 1, q.port, 0, fmt::format("EXPOSEs {}", q.port)};
  }
  return std::nullopt;
}

std::vector<Candidate> candidates(const Facts& facts, const Query& q) {
  std::vector<Candidate> out;
  if (!facts.engine) {
    return out;
  }
  for (const auto& c : facts.engine->containers) {
    if (auto cand = consider(facts, c, q)) {
      out.push_back(*cand);
    }
  }
  // Likeliest first: a published-elsewhere port beats a bare listener, the
  // port the user typed beats others, running beats stopped, newer beats older.
  const auto key = [&](const Candidate& c) {
    return std::tuple(-c.rank, c.app_port != q.port, !c.container->state.running);
  };
  std::stable_sort(out.begin(), out.end(), [&](const Candidate& a, const Candidate& b) {
    if (key(a) != key(b)) {
      return key(a) < key(b);
    }
    return a.container->created > b.container->created;
  });
  return out;
}

}  // namespace

void explain_node_port_unmapped(const Query& q, const CniNetwork& cni, Walk& w) {
  const std::string what = protocol_port(q.protocol, q.port);
  const std::string network =
      fmt::format("{} ({}: {})", cni.name.empty() ? "its CNI network" : quoted(cni.name), cni.path,
                  cni.plugins.empty() ? "no plugins" : join_words(cni.plugins, "and"));
  if (!cni.has_portmap()) {
    w.fail(
        fmt::format("host :{}", q.port), "nothing maps it; the CNI network has no portmap",
        {Verdict::hostport_not_mapped,
         fmt::format("Nothing on this node takes {}: no Service's NodePort, no socket, and no pod's "
                     "hostPort, because this node's pods are on {}, which has no portmap plugin: the "
                     "kubelet hands a pod's hostPort to the CNI plugins, and none of them maps it, so a "
                     "hostPort: {} does nothing here.",
                     what, network, q.port),
         fmt::format("Add {{\"type\": \"portmap\", \"capabilities\": {{\"portMappings\": true}}}} to "
                     "the \"plugins\" of {} on every node, then re-create the pod; or reach the pod through "
                     "a NodePort Service instead of a hostPort.",
                     cni.path)});
    return;
  }
  w.fail(fmt::format("host :{}", q.port), "no NodePort, hostPort or socket",
         {Verdict::nothing_published,
          fmt::format("Nothing on this node takes {}: no Service's NodePort, no socket, and no pod's "
                      "hostPort (portmap, in {}, maps none to it).",
                      what, network),
          "Check which Service or pod should have it (kubectl get services -A -o wide, and the pod's "
          "hostPort), and that the pod runs on this node (kubectl get pods -A -o wide --field-selector "
          "spec.nodeName=NODE).",
          {}});
}

void explain_unpublished(const Query& q, const Facts& facts, Walk& w) {
  Diagnosis& d = w.diagnosis();
  const std::string what = protocol_port(q.protocol, q.port);
  const std::string hop = fmt::format("host :{}", q.port);
  auto found = candidates(facts, q);

  if (q.container && facts.engine) {
    const Container* meant = look_up_container(*facts.engine, *q.container).found;
    const auto it =
        std::find_if(found.begin(), found.end(), [&](const Candidate& c) { return c.container == meant; });
    if (it != found.end()) {
      std::rotate(found.begin(), it, it + 1);
    } else if (meant != nullptr) {
      found.insert(found.begin(), Candidate{meant, 0, 0, 0, "publishes nothing and listens on nothing"});
    }
  }

  // On a node, a pod "publishes" nothing: its ports are reached by a
  // Service or a hostPort, or not at all. Only an engine's container (a
  // node may run Docker too) is a candidate for -p.
  const bool engine_candidate = std::any_of(found.begin(), found.end(), [](const Candidate& c) {
    return c.container->kind == Container::Kind::container;
  });
  if (facts.cni.read && !engine_candidate) {
    explain_node_port_unmapped(q, facts.cni, w);
    return;
  }
  if (found.empty()) {
    w.fail(hop, fmt::format("nothing publishes {}", what),
           {Verdict::nothing_published,
            fmt::format("No container publishes host port {}, and no container listens on, "
                        "exposes or publishes a {} port that could be meant.",
                        what, to_string(q.protocol)),
            fmt::format("Publish the app's port when you start its container: "
                        "docker run -p {}:<container port> ...",
                        q.port)});
    return;
  }

  const Candidate& best = found.front();
  const Container& c = *best.container;
  show_container(d, facts, c);
  std::string fix;
  std::vector<std::string> commands;
  if (best.app_port != 0) {
    commands = republish_commands(c, q.port, best.app_port, q.protocol);
  }
  if (best.host_port != 0) {
    fix = fmt::format(
        "Dial port {} instead (e.g. curl localhost:{}), or re-create {} with "
        "-p {}:{}.",
        best.host_port, best.host_port, quoted(c.name), q.port, best.app_port);
  } else if (best.app_port != 0) {
    fix = fmt::format("Re-create {} with -p {}:{} (EXPOSE only documents a port; -p publishes it).",
                      quoted(c.name), q.port, best.app_port);
  } else {
    fix = fmt::format("Re-create {} with -p {}:<the port its app listens on>.", quoted(c.name), q.port);
  }
  w.fail(hop, fmt::format("nothing publishes {}", what),
         {Verdict::nothing_published,
          fmt::format("No container publishes host port {}; {} {}.", what, container_phrase(c), best.why),
          fix, std::move(commands)});
  for (std::size_t i = 1; i < found.size() && i < 4; ++i) {
    d.evidence.push_back(fmt::format("also: {} {}", container_phrase(*found[i].container), found[i].why));
  }
}

}  // namespace whyno::detail
