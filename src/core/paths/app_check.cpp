#include "app_check.hpp"

#include <algorithm>

#include "whyno/model/listeners.hpp"

namespace whyno {

namespace {

/// Would the socket take `destination` were it of the socket's IP version?
bool takes_other_family(const Listener& l, const IpAddress& destination) {
  if (destination.is_v4()) {
    return l.address.is_v6() && (l.v6only || !l.address.is_v4_mapped()) &&
           (l.address.is_unspecified() || !l.address.is_loopback());
  }
  return l.address.is_v4() && !l.address.is_loopback();
}

}  // namespace

AppCheck check_app(const std::vector<Listener>& listeners, Protocol protocol, const IpAddress& destination,
                   std::uint16_t port) {
  AppCheck check;
  check.on_port = on_port(listeners, protocol, port);
  check.other_protocol = on_port(listeners, protocol == Protocol::tcp ? Protocol::udp : Protocol::tcp, port);
  for (const Listener* l : check.on_port) {
    if (accepts(*l, protocol, destination, port)) {
      check.listener = l;
      // The kernel drops new connections once the queue exceeds the backlog
      // (sk_acceptq_is_full: ack_backlog > max_ack_backlog).
      const bool full = protocol == Protocol::tcp && l->accept_queue > l->backlog;
      check.outcome = full ? AppCheck::Outcome::backlog_full : AppCheck::Outcome::accepting;
      break;
    }
  }
  if (check.listener == nullptr) {
    if (!check.on_port.empty()) {
      const auto all = [&](auto predicate) {
        return std::all_of(check.on_port.begin(), check.on_port.end(), predicate);
      };
      if (all([](const Listener* l) { return l->address.is_loopback(); })) {
        check.outcome = AppCheck::Outcome::loopback_only;
      } else if (std::any_of(check.on_port.begin(), check.on_port.end(),
                             [&](const Listener* l) { return takes_other_family(*l, destination); })) {
        check.outcome = AppCheck::Outcome::other_family;
      } else {
        check.outcome = AppCheck::Outcome::other_address;
      }
    } else if (!check.other_protocol.empty()) {
      check.outcome = AppCheck::Outcome::other_protocol;
    }
  }
  for (const auto& l : listeners) {
    if (l.protocol == protocol && l.port != port && accepts(l, protocol, destination, l.port)) {
      check.elsewhere.push_back(&l);
    }
  }
  std::sort(check.elsewhere.begin(), check.elsewhere.end(),
            [](const Listener* a, const Listener* b) { return a->port < b->port; });
  return check;
}

std::uint16_t likely_app_port(const AppCheck& check) {
  return check.elsewhere.empty() ? 0 : check.elsewhere.front()->port;
}

}  // namespace whyno
