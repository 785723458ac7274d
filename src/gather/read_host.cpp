#include "whyno/gather/read_host.hpp"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "whyno/engine/cni_network.hpp"
#include "whyno/engine/engine_source.hpp"
#include "whyno/kernel/namespace_reader.hpp"
#include "whyno/netfilter/netfilter_reader.hpp"
#include "whyno/sys/capabilities.hpp"
#include "whyno/sys/netns.hpp"
#include "whyno/sys/owned_file.hpp"
#include "whyno/util/words.hpp"

namespace whyno::gather {

namespace {

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

/// Run unprivileged, whyno-port works for the owner of a rootless engine:
/// one of the sockets found is the user's own, or their podman's files are.
bool owns_an_engine(const engine::Discovery& discovery) {
  const unsigned uid = ::getuid();
  return !discovery.podman_user_files.empty() ||  // unprivileged, only the user's own are found
         std::any_of(discovery.endpoints.begin(), discovery.endpoints.end(),
                     [uid](const engine::EngineEndpoint& e) { return e.owner && *e.owner == uid; });
}

std::int64_t epoch_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A hosts file is a few hundred bytes; a bigger one is not one.
constexpr std::size_t k_max_hosts_file = 1 << 20;

}  // namespace

std::expected<Facts, ReadFailure> read_host(Query& query, const EngineChoice& engines, const ReadPlan& plan) {
  const auto discovery =
      engine::discover_engines(*engine::live_discovery_host(), engines.engine, engines.user_engines);
  const auto missing = sys::missing_capabilities();
  if (!missing.empty() && !(discovery && owns_an_engine(*discovery))) {
    return std::unexpected(
        ReadFailure{ReadFailure::Kind::cannot_inspect,
                    fmt::format("missing {}, which whyno-port needs to enter container network namespaces "
                                "and read netfilter rules; run it as root (sudo whyno-port ...), or as the "
                                "owner of a rootless engine",
                                join_words(missing, "and"))});
  }
  if (!discovery) {
    return std::unexpected(ReadFailure{discovery.error().kind == Error::Kind::invalid
                                           ? ReadFailure::Kind::usage
                                           : ReadFailure::Kind::cannot_inspect,
                                       discovery.error().message});
  }
  // GET /info makes dockerd run `runc --version`: the slowest request by far,
  // for warnings whose causes (sysctls) are read from the kernel anyway.
  const auto engine = engine::open_engines(*discovery, /*read_info=*/false);
  const auto namespaces = kernel::live_namespace_reader(engines.host_root);
  const auto processes = kernel::live_process_reader();
  const auto read_rules_in = [](const kernel::NamespaceHandle& netns) -> Result<nf::Ruleset> {
    Result<nf::Ruleset> rules = fail(Error::Kind::unavailable, "not read");
    WHYNO_TRY(sys::run_in_netns(netns.fd, [&rules] { rules = netfilter::read_netfilter(); }));
    return rules;
  };
  const auto read_owned = [](const std::string& path, unsigned owner) {
    return sys::read_owned_file(path, sys::FileOwner{owner}, k_max_hosts_file);
  };
  const std::string host_root = engines.host_root;
  const auto read_pods = [host_root] { return engine::read_containerd_pods(host_root); };
  const Sources sources{*engine,       *namespaces,
                        *processes,    netfilter::read_netfilter,
                        resolve,       epoch_seconds,
                        read_rules_in, read_owned,
                        read_pods,     [host_root] { return engine::read_cni_network(host_root); }};
  if (auto resolved = resolve_pod_client(query, sources); !resolved) {
    return std::unexpected(resolved.error());
  }
  auto facts = gather(query, sources, plan);
  if (facts && !missing.empty()) {
    facts->unread.push_back(
        {"what only root may read",
         fmt::format("whyno-port runs as uid {} without {}: it reads the user's own engines and "
                     "namespaces, but not the host's netfilter rules or other users' processes "
                     "and namespaces; run it as root to check those too",
                     ::getuid(), join_words(missing, "and"))});
  }
  return facts;
}

std::vector<ListenerAfterProbe> read_listeners_after_probe(const Facts& facts) {
  const auto namespaces = kernel::live_namespace_reader();
  return listeners_now(facts, *namespaces);
}

}  // namespace whyno::gather
