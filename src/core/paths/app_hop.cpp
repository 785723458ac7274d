// The last hop: what the app's sockets say about the traffic.

#include <algorithm>

#include <fmt/format.h>

#include "app_hop.hpp"
#include "app_halted.hpp"
#include "container_view.hpp"
#include "state_problem.hpp"
#include "whyno/model/listeners.hpp"
#include "whyno/util/words.hpp"

namespace whyno::detail {

namespace {

/// The container the app's process is in, when it is not the namespace's
/// owner: a sidecar (--network container:web) serves the port.
const Container* sidecar_of(const Listener& l, const AppContext& context) {
  if (context.engine == nullptr) {
    return nullptr;
  }
  for (const ProcessRef& p : l.owners) {
    if (p.container_id.empty() || p.container_id == context.container->id) {
      continue;
    }
    for (const Container& c : context.engine->containers) {
      if (c.id == p.container_id) {
        return &c;
      }
    }
  }
  return nullptr;
}

}  // namespace

std::string app_where(const Listener* l, const AppContext& context) {
  const Container* sidecar = l != nullptr ? sidecar_of(*l, context) : nullptr;
  return sidecar != nullptr ? fmt::format("{} (sharing the network namespace of {})",
                                          container_phrase(*sidecar), container_phrase(*context.container))
                            : container_phrase(*context.container);
}

void judge_app(Walk& w, const AppCheck& check, const AppContext& context) {
  // The app's own container is named, the namespace's owner given as context.
  const Listener* held = check.listener != nullptr ? check.listener
                         : !check.on_port.empty()  ? check.on_port.front()
                                                   : nullptr;
  const Container* sidecar = held != nullptr ? sidecar_of(*held, context) : nullptr;
  const Container& app = sidecar != nullptr ? *sidecar : *context.container;
  const std::string where = app_where(held, context);
  const std::uint16_t port = context.port;
  const std::string pp = protocol_port(context.protocol, port);
  switch (check.outcome) {
    case AppCheck::Outcome::accepting: {
      const Listener& l = *check.listener;
      const std::string place = fmt::format("in {}", where);
      if (auto halted = halted_app(l, place)) {
        w.fail(fmt::format("app :{} not accepting", port),
               fmt::format("{} listens on {}, halted", describe_owners(l), describe_bind(l)),
               std::move(*halted));
        return;
      }
      // "D" passes (a disk or a driver keeps it a moment): said, not judged.
      const bool waiting = std::any_of(l.owners.begin(), l.owners.end(),
                                       [](const ProcessRef& p) { return p.run_state == "D"; });
      w.ok(fmt::format("app :{}", port),
           fmt::format("{} listens on {}{}", describe_owners(l), describe_bind(l),
                       waiting ? "; in uninterruptible sleep (D) when read" : ""));
      w.diagnosis().app_socket = l.inode;
      w.diagnosis().app_place = place;
      return;
    }
    case AppCheck::Outcome::backlog_full: {
      const Listener& l = *check.listener;
      w.fail(fmt::format("app not accepting ({} waiting, backlog {})", l.accept_queue, l.backlog),
             describe_owners(l),
             {Verdict::backlog_full,
              fmt::format("The app in {}, {}, listens on {}, but {} connections wait in its "
                          "accept queue, more than its backlog of {}: it is alive but not "
                          "accepting, so new connections hang.",
                          where, describe_owners(l), describe_bind(l), l.accept_queue, l.backlog),
              fmt::format("The app is hung or overloaded: read {} and restart it; if it is "
                          "merely slow, raise its listen backlog{}.",
                          logs_hint(app),
                          context.somaxconn
                              ? fmt::format(" (net.core.somaxconn = {} caps it)", *context.somaxconn)
                              : "")});
      return;
    }
    case AppCheck::Outcome::loopback_only: {
      const Listener& l = *check.on_port.front();
      std::vector<std::string> binds;
      for (const Listener* each : check.on_port) {
        binds.push_back(describe_bind(*each));
      }
      w.fail(fmt::format("app listens on {} only", join_words(binds, "and")), describe_owners(l),
             {Verdict::bound_to_loopback,
              fmt::format("The app in {}, {}, listens on {} only; {}, and a loopback bind never "
                          "receives traffic from outside the {}.",
                          where, describe_owners(l), join_words(binds, "and"), context.how_reached,
                          unit_word(*context.container)),
              fmt::format("Make the app in {} bind 0.0.0.0:{} (or [::]:{} for IPv4 and IPv6) "
                          "instead of {}, e.g. HTTPServer((\"0.0.0.0\", {}), ...), `--host "
                          "0.0.0.0` or `--bind 0.0.0.0`.",
                          where, port, port, describe_bind(l), port)});
      return;
    }
    case AppCheck::Outcome::other_family: {
      const Listener& l = *check.on_port.front();
      const bool v4_traffic = context.address.is_v4();
      w.fail(
          fmt::format("app listens on IPv{} only", v4_traffic ? 6 : 4), describe_owners(l),
          {Verdict::v6only_listener,
           v4_traffic ? fmt::format("The app in {}, {}, listens on {}{}, which takes IPv6 only, but "
                                    "traffic arrives over IPv4 ({}).",
                                    where, describe_owners(l), describe_bind(l),
                                    l.address.is_unspecified() ? " with IPV6_V6ONLY" : "",
                                    context.address.to_string())
                      : fmt::format("The app in {}, {}, listens on {}, which takes IPv4 only, but "
                                    "traffic arrives over IPv6 ({}).",
                                    where, describe_owners(l), describe_bind(l), context.address.to_string()),
           v4_traffic ? fmt::format("Let the app take IPv4 too: bind 0.0.0.0:{} as well, or turn off "
                                    "IPV6_V6ONLY on its [::]:{} socket (e.g. sysctl "
                                    "net.ipv6.bindv6only=0 in the container, or the app's own option).",
                                    port, port)
                      : fmt::format("Make the app bind [::]:{} (dual stack), or publish the port over "
                                    "IPv4 only.",
                                    port)});
      return;
    }
    case AppCheck::Outcome::other_address: {
      const Listener& l = *check.on_port.front();
      std::string which;
      if (context.netns != nullptr) {
        for (const auto& i : context.netns->interfaces) {
          for (const auto& a : i.addresses) {
            if (a.address == l.address) {
              which = fmt::format(" (its address on {})", i.name);
            }
          }
        }
      }
      w.fail(fmt::format("app listens on {} only", describe_bind(l)), describe_owners(l),
             {Verdict::bound_to_other_address,
              fmt::format("The app in {}, {}, listens on {}{} only, but traffic arrives at {}.", where,
                          describe_owners(l), describe_bind(l), which, context.address.to_string()),
              fmt::format("Make the app bind 0.0.0.0:{} (every address), or the address traffic "
                          "arrives at, {}:{}.",
                          port, context.address.to_string_for_port(), port)});
      return;
    }
    case AppCheck::Outcome::other_protocol: {
      const Listener& l = *check.other_protocol.front();
      w.fail(fmt::format("nothing listens on {}", pp),
             fmt::format("{} listens on {}/{}", describe_owners(l), describe_bind(l), to_string(l.protocol)),
             {Verdict::protocol_mismatch,
              fmt::format("{}; {} listens on {} over {}: the app speaks {}, the traffic is {}.",
                          context.closed_lead, describe_owners(l), describe_bind(l), to_string(l.protocol),
                          to_string(l.protocol), to_string(context.protocol)),
              context.other_protocol_fix});
      return;
    }
    case AppCheck::Outcome::closed:
      break;
  }
  // Nothing takes the traffic on this port. A pod whose app container
  // exited: that is why, whatever else (a sidecar) listens.
  if (auto exited =
          pod_container_exited_problem(*context.container, fmt::format("nothing in it listens on {}", pp))) {
    w.fail(fmt::format("nothing listens on {}", pp), fmt::format("in {}", where), *exited);
    return;
  }
  // Where does the app listen?
  const std::uint16_t app_port = likely_app_port(check);
  // Nothing at all, in a container that restarted moments ago: it is between
  // crashes (caught while up), not an app on the wrong port.
  if (app_port == 0) {
    if (auto looping = crash_loop_problem(*context.container, context.collected_at,
                                          fmt::format("nothing in it listens on {}", pp))) {
      w.fail(fmt::format("{} keeps restarting", context.container->name),
             fmt::format("restarted {} times", context.container->state.restart_count), *looping);
      return;
    }
  }
  std::string elsewhere;
  if (app_port != 0) {
    std::vector<std::string> binds;
    for (const Listener* l : check.elsewhere) {
      binds.push_back(describe_bind(*l));
    }
    elsewhere = fmt::format("; the app, {}, listens on {}", describe_owners(*check.elsewhere.front()),
                            join_words(binds, "and"));
  } else {
    elsewhere = fmt::format("; nothing in it listens on any {} port that traffic could reach",
                            to_string(context.protocol));
  }
  w.fail(fmt::format("nothing listens on {}", pp), fmt::format("in {}", where),
         {Verdict::container_port_closed, context.closed_lead + elsewhere + ".",
          app_port != 0 ? context.other_port_fix(app_port)
                        : fmt::format("Start the app in {} listening on 0.0.0.0:{}, or read why it is not "
                                      "listening: {}.",
                                      where, port, logs_hint(*context.container)),
          app_port != 0 && context.other_port_commands ? context.other_port_commands(app_port)
                                                       : std::vector<std::string>{}});
}

}  // namespace whyno::detail
