#include "whyno/core/app_check.hpp"

#include <algorithm>

#include "whyno/core/listeners.hpp"

namespace whyno {

AppCheck check_app(const std::vector<Listener>& listeners, Protocol protocol,
                   const IpAddress& destination, std::uint16_t port) {
  AppCheck check;
  check.on_port = on_port(listeners, protocol, port);
  for (const Listener* l : check.on_port) {
    if (accepts(*l, protocol, destination, port)) {
      check.outcome = AppCheck::Outcome::accepting;
      check.listener = l;
      break;
    }
  }
  if (check.outcome != AppCheck::Outcome::accepting && !check.on_port.empty()) {
    const bool all_loopback = std::all_of(check.on_port.begin(), check.on_port.end(),
                                          [](const Listener* l) { return l->address.is_loopback(); });
    check.outcome = all_loopback ? AppCheck::Outcome::loopback_only
                                 : AppCheck::Outcome::other_address;
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
