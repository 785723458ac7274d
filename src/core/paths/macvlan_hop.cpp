#include "macvlan_hop.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "routing.hpp"
#include "whyno/model/container_words.hpp"
#include "whyno/util/words.hpp"

namespace whyno::detail {

namespace {

const Interface* host_interface(const Facts& f, const std::string& name) {
  const auto it = std::find_if(f.host.interfaces.begin(), f.host.interfaces.end(),
                               [&](const Interface& i) { return i.name == name; });
  return it == f.host.interfaces.end() ? nullptr : &*it;
}

}  // namespace

bool macvlan_hop(Walk& w, const Facts& f, const Query& q, const Container& c, const Network& network,
                 const IpAddress& address, bool remote_client) {
  const auto parent_option = network.options.find("parent");
  const std::string parent = parent_option != network.options.end() ? parent_option->second : "";
  const std::string on = parent.empty() ? network.driver : fmt::format("{} on {}", network.driver, parent);
  if (remote_client) {
    w.ok(
        fmt::format("{} ({})", on, container_phrase(c)),
        fmt::format("the client's frames reach {} on {}'s link directly, past this host's IP stack and rules",
                    address.to_string(), parent.empty() ? std::string("the parent") : parent));
    return true;
  }
  const std::optional<std::string> out = route_interface(f.host, address);
  const Interface* via = out ? host_interface(f, *out) : nullptr;
  if (via != nullptr && via->kind == network.driver && via->name != parent) {
    w.ok(fmt::format("route to {} via {}", address.to_string(), via->name),
         fmt::format("the host's own {} interface (a shim beside {})", network.driver, container_phrase(c)));
    return true;
  }
  const std::string shim = "whyno-shim";
  const std::string mode = network.driver == "ipvlan" ? "ipvlan mode l2" : "macvlan mode bridge";
  std::vector<std::string> commands;
  if (!parent.empty()) {
    commands = {
        fmt::format("ip link add {} link {} type {}", shim, parent, mode),
        fmt::format("ip link set {} up", shim),
        fmt::format("ip route add {}/{} dev {}", address.to_string(), address.is_v4() ? 32 : 128, shim)};
  }
  w.fail(
      fmt::format("host → {} ({})", address.to_string(), on),
      out ? fmt::format("routed out {}; a {} parent never passes traffic to its children", *out,
                        network.driver)
          : std::string("no route"),
      {Verdict::macvlan_host_isolated,
       fmt::format("This host dials {} at {}:{} on the {} network {}{}, and the kernel never passes traffic "
                   "between a {} parent and its children: the host's packets {} and never reach it. Other "
                   "machines on {}'s link do reach it.",
                   container_phrase(c), address.to_string_for_port(), q.port, network.driver,
                   quoted(network.name), parent.empty() ? "" : fmt::format(" (parent {})", parent),
                   network.driver, out ? fmt::format("leave on {}", *out) : std::string("have no route"),
                   parent.empty() ? std::string("the parent") : parent),
       parent.empty()
           ? fmt::format("Give the host a {} interface of its own on the network's parent (a shim) and "
                         "route {} through it.",
                         network.driver, address.to_string())
           : fmt::format("Give the host a {} interface of its own on {} (a shim) and route {} through it; "
                         "it lasts until reboot: make it persistent with a systemd-networkd .netdev and "
                         ".network (or /etc/network/interfaces).",
                         network.driver, parent, address.to_string()),
       commands});
  return false;
}

}  // namespace whyno::detail
