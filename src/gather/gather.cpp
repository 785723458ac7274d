#include "whyno/gather/gather.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <future>
#include <set>

#include <fmt/format.h>

#include "whyno/netfilter/netfilter_reader.hpp"
#include "whyno/kernel/netns_reader.hpp"
#include "whyno/core/container_state.hpp"
#include "whyno/core/engine_lookup.hpp"
#include "whyno/sys/netns.hpp"

namespace whyno::gather {

namespace {

struct NamespaceRead {
  const Container* container = nullptr;
  std::future<Result<NetnsFacts>> facts;
};

Result<NetnsFacts> read_container_netns(const sys::Fd& netns) {
  NetnsFacts ns;
  auto entered = sys::run_in_netns(netns, [&ns] { ns = kernel::read_netns(); });
  if (!entered) {
    return std::unexpected(entered.error());
  }
  return ns;
}

/// One thread per namespace: setns(2) and the netlink round trips of
/// different namespaces do not wait for each other.
void read_container_namespaces(Facts& facts) {
  if (!facts.engine) {
    return;
  }
  std::set<std::uint64_t> seen{facts.host.inode};
  std::vector<sys::Fd> handles;
  handles.reserve(facts.engine->containers.size());
  std::vector<NamespaceRead> reads;
  for (const auto& c : facts.engine->containers) {
    // container:<id> joins another container's namespace, read under that
    // container's id; host and none have nothing of their own.
    if (!c.state.running || c.state.pid <= 0 || shares_host_network(c) ||
        c.network_mode.starts_with("container:")) {
      continue;
    }
    auto netns = sys::open_netns(fmt::format("/proc/{}/ns/net", c.state.pid));
    if (!netns) {
      facts.unread.push_back({fmt::format("network namespace of {}", container_phrase(c)),
                              netns.error().message});
      continue;
    }
    const auto inode = sys::netns_inode(*netns);
    if (inode && !seen.insert(*inode).second) {
      continue;
    }
    handles.push_back(std::move(*netns));
    const sys::Fd& handle = handles.back();
    reads.push_back({&c, std::async(std::launch::async,
                                    [&handle] { return read_container_netns(handle); })});
  }
  for (auto& read : reads) {
    auto ns = read.facts.get();
    if (!ns) {
      facts.unread.push_back({fmt::format("network namespace of {}", container_phrase(*read.container)),
                              ns.error().message});
      continue;
    }
    facts.container_netns.emplace(read.container->id, std::move(*ns));
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

bool is_name(const std::string& address) {
  return address != "localhost" && !IpAddress::parse(address) &&
         !(address.starts_with('[') && address.ends_with(']'));
}

}  // namespace

HostKernelFacts read_host_kernel() {
  HostKernelFacts host;
  host.netns = kernel::read_netns();
  if (auto rules = netfilter::read_netfilter()) {
    host.ruleset = std::move(*rules);
  } else {
    // On the ruleset, so that every hook the diagnosis walks knows it is blind.
    host.ruleset.unread.push_back({"netfilter rules", rules.error().message});
  }
  std::vector<std::string> interfaces;
  for (const auto& i : host.netns.interfaces) {
    interfaces.push_back(i.name);
  }
  host.sysctls = kernel::read_sysctls(interfaces);
  return host;
}

void gather_kernel_facts(const Query& query, Facts& facts, HostKernelFacts host,
                         const kernel::SocketHolders& holders) {
  facts.host = std::move(host.netns);
  facts.ruleset = std::move(host.ruleset);
  facts.sysctls = std::move(host.sysctls);
  facts.unread.insert(facts.unread.end(), host.unread.begin(), host.unread.end());

  read_container_namespaces(facts);

  std::vector<NetnsFacts*> namespaces{&facts.host};
  for (auto& [id, ns] : facts.container_netns) {
    namespaces.push_back(&ns);
  }
  kernel::attach_socket_owners(namespaces, holders);

  if (!query.from && is_name(query.address)) {
    facts.resolved_addresses = resolve(query.address);
  }
}

}  // namespace whyno::gather
