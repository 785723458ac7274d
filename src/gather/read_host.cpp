#include "whyno/gather/read_host.hpp"

#include <chrono>
#include <cstdlib>
#include <future>

#include <fmt/format.h>

#include "../engine/engine_reader.hpp"  // until the engine has an interface of its own
#include "whyno/gather/gather.hpp"
#include "whyno/core/container_state.hpp"
#include "whyno/core/engine_lookup.hpp"
#include "whyno/util/words.hpp"
#include "whyno/sys/capabilities.hpp"

namespace whyno::gather {

namespace {

std::unexpected<ReadFailure> failure(ReadFailure::Kind kind, std::string message) {
  return std::unexpected(ReadFailure{kind, std::move(message)});
}


}  // namespace

std::expected<Facts, ReadFailure> read_host(const Query& query) {
  if (const auto missing = sys::missing_capabilities(); !missing.empty()) {
    return failure(ReadFailure::Kind::cannot_inspect,
                   fmt::format("missing {}, which whyno-port needs to enter container network "
                               "namespaces and read netfilter rules; run it as root "
                               "(sudo whyno-port ...)",
                               join_words(missing, "and")));
  }

  const auto socket = engine::engine_socket_path(std::getenv("DOCKER_HOST"));
  if (!socket) {
    return failure(ReadFailure::Kind::cannot_inspect, socket.error().message);
  }
  // The host's own namespace and the /proc scan need nothing from the
  // engine: read them while it answers.
  auto host = std::async(std::launch::async, read_host_kernel);
  auto holders = std::async(std::launch::async, [] { return kernel::scan_socket_holders("/proc"); });
  engine::EngineReadOptions engine_options;
  // GET /info makes dockerd run `runc --version`: the slowest request by far,
  // for warnings whose causes (sysctls) are read from the kernel anyway.
  engine_options.read_info = false;
  auto engine = engine::read_engine(*socket, engine_options);
  if (!engine) {
    return failure(ReadFailure::Kind::cannot_inspect, engine.error().message);
  }

  // The containers the user named must exist; a client must be running.
  if (query.container && find_container(*engine, *query.container) == nullptr) {
    return failure(ReadFailure::Kind::usage, fmt::format("no container is named or has the id '{}'",
                                             *query.container));
  }
  const bool remote_client = query.from && IpAddress::parse(*query.from).has_value();
  if (remote_client) {
    const auto dialled = IpAddress::parse(query.address);
    if (query.address == "localhost" || (dialled && dialled->is_loopback())) {
      return failure(ReadFailure::Kind::usage,
                     fmt::format("a client at {} cannot dial this host's loopback; give the "
                                 "address it dials, e.g. whyno-port 192.0.2.10:{} --from {}",
                                 *query.from, query.port, *query.from));
    }
  } else if (query.from) {
    const Container* client = find_container(*engine, *query.from);
    if (client == nullptr) {
      return failure(ReadFailure::Kind::usage,
                     fmt::format("no container is named or has the id '{}'", *query.from));
    }
    if (!client->state.running || client->state.paused) {
      return failure(ReadFailure::Kind::cannot_inspect,
                     fmt::format("the --from container '{}' {}, so it has no network to "
                                 "inspect; start it first",
                                 client->name, state_phrase(*client)));
    }
  }

  Facts facts;
  facts.collected_at = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
  facts.engine = std::move(*engine);
  gather_kernel_facts(query, facts, host.get(), holders.get());
  return facts;
}

}  // namespace whyno::gather
