#include "spread_endpoints.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "app_check.hpp"
#include "container_view.hpp"
#include "state_problem.hpp"
#include "whyno/core/plan/container_lookup.hpp"
#include "whyno/model/container_words.hpp"
#include "whyno/util/words.hpp"

namespace whyno::detail {

namespace {

struct EndpointFault {
  Verdict verdict = Verdict::container_port_closed;
  std::string what;  // "nothing listens on 80/tcp"
};

/// Why the app of an endpoint whose namespace was read takes no connection.
std::optional<EndpointFault> app_fault(const std::vector<Listener>& listeners, Protocol protocol,
                                       const SpreadEndpoint& e) {
  const AppCheck check = check_app(listeners, protocol, e.address, e.port);
  const std::string port = protocol_port(protocol, e.port);
  switch (check.outcome) {
    case AppCheck::Outcome::accepting:
      return std::nullopt;
    case AppCheck::Outcome::backlog_full:
      return EndpointFault{Verdict::backlog_full, fmt::format("its app's accept queue on {} is full", port)};
    case AppCheck::Outcome::loopback_only:
      return EndpointFault{Verdict::bound_to_loopback,
                           fmt::format("its app listens on {} on loopback only", port)};
    case AppCheck::Outcome::other_family:
      return EndpointFault{Verdict::v6only_listener,
                           fmt::format("its app listens on {} for the other IP version only", port)};
    case AppCheck::Outcome::other_address:
      return EndpointFault{Verdict::bound_to_other_address,
                           fmt::format("its app listens on {} on another address", port)};
    case AppCheck::Outcome::other_protocol:
      return EndpointFault{Verdict::protocol_mismatch,
                           fmt::format("only the other protocol listens on {}", e.port)};
    case AppCheck::Outcome::closed:
      break;
  }
  return EndpointFault{Verdict::container_port_closed, fmt::format("nothing listens on {}", port)};
}

/// What one endpoint says: where it is, and why it takes no connection
/// (nullopt when it does, or when its namespace was not read).
struct EndpointJudgement {
  std::string where;  // "10.180.0.5:80 (namespace `pod5`)"
  std::optional<EndpointFault> fault;
  bool read = true;  // false: its sockets could not be read
};

EndpointJudgement judge_endpoint(const Facts& facts, Protocol protocol, const SpreadEndpoint& e) {
  const Attachment at = facts.engine ? container_with_address(*facts.engine, e.address) : Attachment{};
  if (at.container == nullptr) {
    return {e.address.to_string_for_port() + ":" + std::to_string(e.port),
            EndpointFault{Verdict::container_port_closed, "no container or namespace of this host holds it"}};
  }
  EndpointJudgement j{
      fmt::format("{}:{} ({})", e.address.to_string_for_port(), e.port, container_phrase(*at.container)), {}};
  if (!at.container->state.running) {
    j.fault = EndpointFault{Verdict::container_not_running, "it is not running"};
    return j;
  }
  const NetnsFacts* ns = netns_of(facts, *at.container);
  if (ns == nullptr) {
    j.read = false;
    return j;
  }
  j.fault = app_fault(ns->listeners, protocol, e);
  if (const auto exited = exited_pod_containers(*at.container);
      j.fault && j.fault->verdict == Verdict::container_port_closed && !exited.empty()) {
    j.fault = EndpointFault{Verdict::container_not_running,
                            fmt::format("its container {} exited", quoted(exited.front()->name))};
  }
  return j;
}

}  // namespace

std::vector<SpreadEndpoint> spread_endpoints(const std::vector<nf::HookOutcome>& branches) {
  std::vector<SpreadEndpoint> out;
  for (const nf::HookOutcome& b : branches) {
    if (!b.nat || b.nat->kind != nf::ActionKind::dnat || !b.nat->address) {
      continue;
    }
    const std::uint16_t port = b.nat->port != 0 ? b.nat->port : b.packet.destination_port;
    const bool seen = std::any_of(out.begin(), out.end(), [&](const SpreadEndpoint& e) {
      return e.address == *b.nat->address && e.port == port;
    });
    if (!seen) {
      out.push_back({*b.nat->address, port, b.nat->rule});
    }
  }
  return out;
}

void judge_other_endpoints(Walk& walk, const Facts& facts, Protocol protocol,
                           const std::vector<SpreadEndpoint>& endpoints) {
  if (endpoints.size() < 2) {
    return;
  }
  std::vector<std::pair<std::string, EndpointFault>> faults;
  std::size_t unread = 0;
  for (std::size_t i = 1; i < endpoints.size(); ++i) {
    EndpointJudgement j = judge_endpoint(facts, protocol, endpoints[i]);
    if (j.fault) {
      faults.emplace_back(std::move(j.where), std::move(*j.fault));
    } else if (!j.read) {
      ++unread;
    }
  }
  const std::size_t n = endpoints.size();
  const std::string label = fmt::format("the other {} endpoint{}", n - 1, n == 2 ? "" : "s");
  if (faults.empty()) {
    if (unread > 0) {
      walk.unknown(label, fmt::format("{} of them could not be read", unread));
    } else {
      walk.ok(label, fmt::format("new connections are spread over {}; each takes them", n));
    }
    return;
  }
  for (const auto& [where, fault] : faults) {
    walk.fail(fmt::format("endpoint {}", where), fault.what,
              {fault.verdict,
               fmt::format("New connections are spread over {} endpoints at random, and {} takes none: {}; "
                           "about 1 in {} connections fails.",
                           n, where, fault.what, n),
               fmt::format("Make the app at {} take connections, or let its readiness probe fail while "
                           "it cannot, so that Kubernetes takes it out of the Service's endpoints.",
                           where)});
  }
}

}  // namespace whyno::detail
