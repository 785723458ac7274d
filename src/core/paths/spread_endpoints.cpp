#include "spread_endpoints.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "app_check.hpp"
#include "container_view.hpp"
#include "whyno/core/plan/container_lookup.hpp"
#include "whyno/model/container_words.hpp"
#include "whyno/util/words.hpp"

namespace whyno::detail {

namespace {

struct EndpointFault {
  Verdict verdict = Verdict::container_port_closed;
  std::string what;  // "nothing listens on 80/tcp"
};

/// Why an endpoint takes no connection; nullopt when it does.
std::optional<EndpointFault> fault_of(const Facts& facts, Protocol protocol, const SpreadEndpoint& e,
                                      std::string& where) {
  const Attachment at = facts.engine ? container_with_address(*facts.engine, e.address) : Attachment{};
  if (at.container == nullptr) {
    where = e.address.to_string_for_port() + ":" + std::to_string(e.port);
    return EndpointFault{Verdict::container_port_closed, "no container or namespace of this host holds it"};
  }
  where = fmt::format("{}:{} ({})", e.address.to_string_for_port(), e.port, container_phrase(*at.container));
  if (!at.container->state.running) {
    return EndpointFault{Verdict::container_not_running, "it is not running"};
  }
  const NetnsFacts* ns = netns_of(facts, *at.container);
  if (ns == nullptr) {
    return std::nullopt;  // not read: said by the caller as not judged
  }
  const AppCheck check = check_app(ns->listeners, protocol, e.address, e.port);
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
    std::string where;
    if (auto fault = fault_of(facts, protocol, endpoints[i], where)) {
      faults.emplace_back(where, std::move(*fault));
    } else if (const Attachment at =
                   facts.engine ? container_with_address(*facts.engine, endpoints[i].address) : Attachment{};
               at.container != nullptr && netns_of(facts, *at.container) == nullptr) {
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
