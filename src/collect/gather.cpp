#include "whyno/collect/gather.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <set>

#include <fmt/format.h>

#include "whyno/collect/netfilter_reader.hpp"
#include "whyno/collect/netns_reader.hpp"
#include "whyno/core/engine_lookup.hpp"
#include "whyno/sys/netns.hpp"

namespace whyno::collect {

namespace {

std::string container_phrase(const Container& c) { return fmt::format("container `{}`", c.name); }

void read_container_namespaces(Facts& facts) {
  if (!facts.engine) {
    return;
  }
  std::set<std::uint64_t> seen{facts.host.inode};
  for (const auto& c : facts.engine->containers) {
    // container:<id> joins another container's namespace, which is read
    // under that container's id; host and none have nothing of their own.
    if (!c.state.running || c.state.pid <= 0 || shares_host_network(c) ||
        c.network_mode.starts_with("container:")) {
      continue;
    }
    const std::string path = fmt::format("/proc/{}/ns/net", c.state.pid);
    auto netns = sys::open_netns(path);
    if (!netns) {
      facts.unread.push_back({fmt::format("network namespace of {}", container_phrase(c)),
                              netns.error().message});
      continue;
    }
    const auto inode = sys::netns_inode(*netns);
    if (inode && !seen.insert(*inode).second) {
      continue;
    }
    NetnsFacts ns;
    auto entered = sys::run_in_netns(*netns, [&ns] { ns = read_netns(); });
    if (!entered) {
      facts.unread.push_back({fmt::format("network namespace of {}", container_phrase(c)),
                              entered.error().message});
      continue;
    }
    facts.container_netns.emplace(c.id, std::move(ns));
  }
}

/// getaddrinfo for a host ADDRESS that is a name (not localhost, not a literal).
std::vector<IpAddress> resolve(const std::string& name) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  std::vector<IpAddress> out;
  if (getaddrinfo(name.c_str(), nullptr, &hints, &list) != 0) {
    return out;
  }
  for (const addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_family == AF_INET) {
      const auto* sin = reinterpret_cast<const sockaddr_in*>(ai->ai_addr);
      out.push_back(IpAddress::v4_bytes(reinterpret_cast<const std::uint8_t*>(&sin->sin_addr)));
    } else if (ai->ai_family == AF_INET6) {
      const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(ai->ai_addr);
      out.push_back(IpAddress::v6_bytes(reinterpret_cast<const std::uint8_t*>(&sin6->sin6_addr)));
    }
  }
  freeaddrinfo(list);
  return out;
}

}  // namespace

void gather_kernel_facts(const Query& query, Facts& facts) {
  facts.host = read_netns();
  if (auto rules = read_netfilter()) {
    facts.ruleset = std::move(*rules);
  } else {
    facts.unread.push_back({"netfilter rules", rules.error().message});
  }
  std::vector<std::string> interfaces;
  for (const auto& i : facts.host.interfaces) {
    interfaces.push_back(i.name);
  }
  facts.sysctls = read_sysctls(interfaces);

  read_container_namespaces(facts);

  std::vector<NetnsFacts*> namespaces{&facts.host};
  for (auto& [id, ns] : facts.container_netns) {
    namespaces.push_back(&ns);
  }
  attach_socket_owners(namespaces);

  if (!query.from && query.address != "localhost" && !IpAddress::parse(query.address) &&
      !(query.address.starts_with('[') && query.address.ends_with(']'))) {
    facts.resolved_addresses = resolve(query.address);
  }
}

}  // namespace whyno::collect
