#include "whyno/gather/read_host.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <chrono>

#include <fmt/format.h>

#include "whyno/engine/engine_source.hpp"
#include "whyno/kernel/namespace_reader.hpp"
#include "whyno/netfilter/netfilter_reader.hpp"
#include "whyno/sys/capabilities.hpp"
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

std::int64_t epoch_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::expected<Facts, ReadFailure> read_host(const Query& query,
                                           const std::optional<std::string>& engine_option) {
  if (const auto missing = sys::missing_capabilities(); !missing.empty()) {
    return std::unexpected(ReadFailure{
        ReadFailure::Kind::cannot_inspect,
        fmt::format("missing {}, which whyno-port needs to enter container network namespaces "
                    "and read netfilter rules; run it as root (sudo whyno-port ...)",
                    join_words(missing, "and"))});
  }
  const auto discovery = engine::discover_engines(*engine::live_discovery_host(), engine_option);
  if (!discovery) {
    return std::unexpected(ReadFailure{discovery.error().kind == Error::Kind::invalid
                                           ? ReadFailure::Kind::usage
                                           : ReadFailure::Kind::cannot_inspect,
                                       discovery.error().message});
  }
  // GET /info makes dockerd run `runc --version`: the slowest request by far,
  // for warnings whose causes (sysctls) are read from the kernel anyway.
  const auto engine = engine::open_engines(*discovery, /*read_info=*/false);
  const auto namespaces = kernel::live_namespace_reader();
  const Sources sources{*engine, *namespaces, netfilter::read_netfilter, resolve, epoch_seconds};
  return gather(query, sources);
}

}  // namespace whyno::gather
