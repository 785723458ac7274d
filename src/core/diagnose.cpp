#include "whyno/core/diagnose.hpp"

#include <algorithm>

#include "paths.hpp"
#include "whyno/core/engine_lookup.hpp"
#include "whyno/core/listeners.hpp"
#include "whyno/core/words.hpp"

#include <fmt/format.h>

namespace whyno {

std::optional<IpAddress> host_destination(const Query& query, const Facts& facts) {
  if (query.address == "localhost") {
    return IpAddress::loopback(IpFamily::v4);
  }
  std::string_view text = query.address;
  if (text.size() > 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  if (auto literal = IpAddress::parse(text)) {
    return literal;
  }
  if (!facts.resolved_addresses.empty()) {
    return facts.resolved_addresses.front();
  }
  return std::nullopt;
}

Diagnosis diagnose(const Query& query, const Facts& facts) {
  Diagnosis d;
  if (query.from) {
    d = detail::diagnose_from_container(query, facts);
  } else if (const auto destination = host_destination(query, facts)) {
    d = detail::diagnose_host(query, facts, *destination);
  } else {
    d.verdict = Verdict::name_not_resolvable;
    d.summary = fmt::format("{} does not resolve to an address on this host.", query.address);
    d.fix = "Check the name, or give an IP address.";
    d.path.push_back({fmt::format("resolve {}", query.address), HopState::failed, "no address"});
  }
  d.unread.insert(d.unread.end(), facts.unread.begin(), facts.unread.end());
  d.unread.insert(d.unread.end(), facts.host.unread.begin(), facts.host.unread.end());
  d.unread.insert(d.unread.end(), facts.ruleset.unread.begin(), facts.ruleset.unread.end());
  return d;
}

namespace detail {

std::string protocol_port(Protocol p, std::uint16_t port) {
  return fmt::format("{}/{}", port, to_string(p));
}

std::string container_phrase(const Container& c) { return "container " + quoted(c.name); }

const NetnsFacts* netns_of(const Facts& facts, const Container& c) {
  if (shares_host_network(c)) {
    return &facts.host;
  }
  const Container* owner = nullptr;
  if (facts.engine) {
    owner = network_owner(*facts.engine, c);
  }
  const auto it = facts.container_netns.find(owner != nullptr ? owner->id : c.id);
  return it == facts.container_netns.end() ? nullptr : &it->second;
}

void show_container(Diagnosis& d, const Facts& facts, const Container& c) {
  d.container = ContainerSummary{c.name, c.id, c.state.status};
  d.listeners_title = fmt::format("Listening sockets in {}", container_phrase(c));
  if (const NetnsFacts* ns = netns_of(facts, c)) {
    d.listeners = ns->listeners;
    std::sort(d.listeners.begin(), d.listeners.end(), [](const Listener& a, const Listener& b) {
      return std::tie(a.protocol, a.port, a.address) < std::tie(b.protocol, b.port, b.address);
    });
    for (const auto& u : ns->unread) {
      d.unread.push_back({fmt::format("{} of {}", u.source, container_phrase(c)), u.reason});
    }
  } else if (c.state.running) {
    d.unread.push_back({fmt::format("network namespace of {}", container_phrase(c)),
                        "not read"});
  }
}

Hop interface_hop(const NetnsFacts* ns, const Container& c, const IpAddress& address) {
  if (ns != nullptr) {
    for (const auto& i : ns->interfaces) {
      for (const auto& a : i.addresses) {
        if (a.address == address) {
          return {fmt::format("{} {}", c.name, i.name),
                  i.up ? HopState::ok : HopState::failed,
                  fmt::format("{}/{}{}", address.to_string(), a.prefix_len, i.up ? "" : ", down")};
        }
      }
    }
  }
  return {fmt::format("{} {}", c.name, address.to_string()), HopState::unknown,
          "interface not seen"};
}

void judge_app(Diagnosis& d, const AppCheck& check, const AppContext& context) {
  const std::string where = container_phrase(*context.container);
  const std::uint16_t port = context.port;
  switch (check.outcome) {
    case AppCheck::Outcome::accepting: {
      const Listener& l = *check.listener;
      d.verdict = Verdict::reachable;
      d.path.push_back({fmt::format("app :{}", port), HopState::ok,
                        fmt::format("{} listens on {}", describe_owners(l), describe_bind(l))});
      return;
    }
    case AppCheck::Outcome::loopback_only: {
      const Listener& l = *check.on_port.front();
      std::vector<std::string> binds;
      for (const Listener* each : check.on_port) {
        binds.push_back(describe_bind(*each));
      }
      d.verdict = Verdict::bound_to_loopback;
      d.path.push_back({fmt::format("app listens on {} only", join_words(binds, "and")),
                        HopState::failed, describe_owners(l)});
      d.summary = fmt::format(
          "The app in {} ({}) listens on {} only; {}, and a loopback bind never receives "
          "traffic from outside the container.",
          where, describe_owners(l), join_words(binds, "and"), context.how_reached);
      d.fix = fmt::format(
          "Make the app in {} bind 0.0.0.0:{} (or [::]:{} for IPv4 and IPv6) instead of {}, "
          "e.g. HTTPServer((\"0.0.0.0\", {}), ...), `--host 0.0.0.0` or `--bind 0.0.0.0`.",
          where, port, port, describe_bind(l), port);
      return;
    }
    case AppCheck::Outcome::other_address:
    case AppCheck::Outcome::closed:
      break;
  }
  // Nothing takes the traffic on this port. Where does the app listen?
  d.verdict = Verdict::container_port_closed;
  const std::uint16_t app_port = likely_app_port(check);
  std::string elsewhere;
  if (app_port != 0) {
    std::vector<std::string> binds;
    for (const Listener* l : check.elsewhere) {
      binds.push_back(describe_bind(*l));
    }
    elsewhere = fmt::format("; the app ({}) listens on {}",
                            describe_owners(*check.elsewhere.front()), join_words(binds, "and"));
  } else if (!check.on_port.empty()) {
    elsewhere = fmt::format("; the socket on port {} is bound to {}, not {}", port,
                            describe_bind(*check.on_port.front()), context.address.to_string());
  } else {
    elsewhere = fmt::format("; nothing in it listens on any {} port that traffic could reach",
                            to_string(context.protocol));
  }
  d.path.push_back({fmt::format("nothing listens on {}", protocol_port(context.protocol, port)),
                    HopState::failed, fmt::format("in {}", where)});
  d.summary = context.closed_lead + elsewhere + ".";
  if (app_port != 0) {
    d.fix = fmt::format(fmt::runtime(context.other_port_fix), app_port);
  } else {
    d.fix = fmt::format("Start the app in {} listening on 0.0.0.0:{}, or read why it is not "
                        "listening: `docker logs {}`.",
                        where, port, context.container->name);
  }
}

}  // namespace detail
}  // namespace whyno
