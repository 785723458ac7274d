#include "host_service.hpp"

#include <cctype>

#include <fmt/format.h>

#include "app_check.hpp"
#include "app_halted.hpp"
#include "routing.hpp"
#include "whyno/model/container_words.hpp"
#include "whyno/model/listeners.hpp"
#include "whyno/util/words.hpp"

namespace whyno::detail {

namespace {

/// "container `app` (on bridge docker0)" or "client 198.51.100.2".
std::string client_words(const HostContext& h) {
  if (!h.remote) {
    return "this host";
  }
  if (h.remote->container != nullptr) {
    return container_phrase(*h.remote->container);
  }
  return fmt::format("client {}", h.remote->address.to_string());
}

/// Where the client's packets arrive: "on docker0 at 172.17.0.1".
std::string arrival(const HostContext& h) {
  return h.remote && h.remote->interface ? fmt::format("on {} at {}", *h.remote->interface,
                                                       h.destination.to_string())
                                         : fmt::format("at {}", h.destination.to_string());
}

/// A loopback bind never sees them: the address they dial, or every address
/// behind the firewall. From a container, the gateway of its bridge.
std::string loopback_fix(const HostContext& h, const Listener& l) {
  const std::string address = h.destination.to_string_for_port();
  const std::uint16_t port = h.q.port;
  if (h.remote && h.remote->container != nullptr) {
    return fmt::format(
        "Make {} on the host listen on {} too, the address containers on {} dial (e.g. PostgreSQL: "
        "listen_addresses = 'localhost,{}'; a service that takes one address: {}:{}); or on 0.0.0.0:{} "
        "with the host's firewall keeping other machines out. Binding 0.0.0.0 alone opens it to every "
        "network the host is on.",
        describe_owners(l), h.destination.to_string(), h.remote->interface.value_or("the bridge"),
        h.destination.to_string(), address, port, port);
  }
  return fmt::format(
      "Make {} on the host listen on {}:{}, the address clients dial, or on 0.0.0.0:{} with the firewall "
      "letting in only the clients meant to reach it.",
      describe_owners(l), address, port, port);
}

}  // namespace

bool asks_for_host_service(const HostContext& h) {
  // With no engine on the host, no container is meant: the host's own
  // socket is the app for this host's clients too.
  const bool no_engine = h.f.engine && !h.f.engine->absent.empty();
  return (h.remote || no_engine) && h.meant == nullptr && h.pubs.empty() &&
         (is_local_address(h.f.host, h.destination) || h.destination.is_loopback());
}

bool judge_host_service(const HostContext& h, Walk& w) {
  const AppCheck check = check_app(h.f.host.listeners, h.q.protocol, h.destination, h.q.port);
  const std::string pp = protocol_port(h.q.protocol, h.q.port);
  const std::string client = client_words(h);
  switch (check.outcome) {
    case AppCheck::Outcome::accepting: {
      const Listener& l = *check.listener;
      if (auto halted = halted_app(l, "on the host")) {
        w.fail(fmt::format("host app :{} not accepting", h.q.port),
               fmt::format("{} listens on {}, halted", describe_owners(l), describe_bind(l)),
               std::move(*halted));
        w.finish({});
        return true;
      }
      w.diagnosis().app_socket = l.inode;
      w.diagnosis().app_place = "on the host";
      w.ok(fmt::format("host app :{}", h.q.port),
           fmt::format("{} listens on {}", describe_owners(l), describe_bind(l)));
      w.finish(fmt::format("{} reaches {} on the host at {}: it listens on {} ({}).", capitalized(client),
                           describe_owners(l), h.dialled, describe_bind(l),
                           h.f.engine && !h.f.engine->absent.empty()
                               ? std::string("no container engine runs here")
                               : fmt::format("no container publishes {}", pp)));
      return true;
    }
    case AppCheck::Outcome::backlog_full: {
      const Listener& l = *check.listener;
      w.fail(
          fmt::format("host app not accepting ({} waiting, backlog {})", l.accept_queue, l.backlog),
          describe_owners(l),
          {Verdict::backlog_full,
           fmt::format("{} on the host listens on {}, but {} connections wait in its accept queue, "
                       "more than its backlog of {}: it is alive but not accepting, so {}'s "
                       "connection hangs.",
                       capitalized(describe_owners(l)), describe_bind(l), l.accept_queue, l.backlog, client),
           fmt::format("The service is hung or overloaded: read its logs (journalctl) and restart it; "
                       "if it is merely slow, raise its listen backlog{}.",
                       h.f.sysctls.somaxconn
                           ? fmt::format(" (net.core.somaxconn = {} caps it)", *h.f.sysctls.somaxconn)
                           : "")});
      w.finish({});
      return true;
    }
    case AppCheck::Outcome::loopback_only: {
      const Listener& l = *check.on_port.front();
      w.fail(fmt::format("host app listens on {} only", describe_bind(l)), describe_owners(l),
             {Verdict::bound_to_loopback,
              fmt::format("{} on the host listens on {} only; {}'s packets arrive {}, and a loopback "
                          "bind never receives traffic from outside the host.",
                          capitalized(describe_owners(l)), describe_bind(l), client, arrival(h)),
              loopback_fix(h, l)});
      w.finish({});
      return true;
    }
    case AppCheck::Outcome::other_address: {
      const Listener& l = *check.on_port.front();
      w.fail(fmt::format("host app listens on {} only", describe_bind(l)), describe_owners(l),
             {Verdict::bound_to_other_address,
              fmt::format("{} on the host listens on {} only, but {}'s packets arrive {}.",
                          capitalized(describe_owners(l)), describe_bind(l), client, arrival(h)),
              fmt::format("Dial {}:{}, or make {} listen on {} too (or on 0.0.0.0 behind the firewall).",
                          l.address.to_string_for_port(), h.q.port, describe_owners(l),
                          h.destination.to_string())});
      w.finish({});
      return true;
    }
    case AppCheck::Outcome::other_family: {
      const Listener& l = *check.on_port.front();
      w.fail(fmt::format("host app listens on IPv{} only", h.destination.is_v4() ? 6 : 4), describe_owners(l),
             {Verdict::v6only_listener,
              fmt::format("{} on the host listens on {}, which takes IPv{} only, but {} dials {}.",
                          capitalized(describe_owners(l)), describe_bind(l), h.destination.is_v4() ? 6 : 4,
                          client, h.dialled),
              fmt::format("Make it listen on {} as well (or turn off IPV6_V6ONLY on its [::]:{} socket).",
                          h.destination.is_v4() ? fmt::format("0.0.0.0:{}", h.q.port)
                                                : fmt::format("[::]:{}", h.q.port),
                          h.q.port)});
      w.finish({});
      return true;
    }
    case AppCheck::Outcome::other_protocol: {
      const Listener& l = *check.other_protocol.front();
      w.fail(fmt::format("nothing on the host listens on {}", pp),
             fmt::format("{} listens on {}/{}", describe_owners(l), describe_bind(l), to_string(l.protocol)),
             {Verdict::protocol_mismatch,
              fmt::format("Nothing on the host listens on {}; {} listens on {} over {}.", pp,
                          describe_owners(l), describe_bind(l), to_string(l.protocol)),
              fmt::format("Dial it over {}.", to_string(l.protocol))});
      w.finish({});
      return true;
    }
    case AppCheck::Outcome::closed:
      break;
  }
  return false;
}

void say_no_host_service(const HostContext& h, Diagnosis& d) {
  if (d.verdict != Verdict::nothing_published) {
    return;
  }
  const std::string pp = protocol_port(h.q.protocol, h.q.port);
  d.summary = fmt::format("Nothing on the host listens on {}, where {} dials {}. {}", pp, client_words(h),
                          h.dialled, d.summary);
  std::string container_fix = d.fix;
  if (!container_fix.empty()) {
    container_fix[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(container_fix[0])));
  }
  d.fix = fmt::format(
      "Start the service on the host listening on {}:{} (or 0.0.0.0:{} with the firewall "
      "keeping others out), or check the port. If a container should serve it, {}",
      h.destination.to_string_for_port(), h.q.port, h.q.port, container_fix);
}

}  // namespace whyno::detail
