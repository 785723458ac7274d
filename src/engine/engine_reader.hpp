#pragma once
// Reads the container engine over its unix socket: what it intends (port
// bindings, networks, settings), for the diagnosis to compare with the
// kernel's truth.

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http_unix.hpp"
#include "whyno/engine/engine_source.hpp"
#include "whyno/model/engine_facts.hpp"
#include "whyno/util/result.hpp"

namespace whyno::engine {

inline constexpr const char* k_default_daemon_config = "/etc/docker/daemon.json";

/// Talks to the engine: GET /_ping (unversioned) to negotiate the API version
/// (min of the engine's and k_max_api_version) and tell Docker from Podman
/// (Libpod-Api-Version), then, concurrently over a few kept-alive
/// connections, /containers/json?all=1, /containers/{id}/json for every
/// container (once the list and /networks are in), /networks and /info. The version comes from the ping's
/// Server header; /version is asked only when that header is missing. A container that vanishes between list
/// and inspect is skipped. The whole conversation is bounded by 5 s (1 s to connect). For Docker, `config` is
/// read from /etc/docker/daemon.json, with /info's firewall backend when it reports one. Errors carry exactly
/// one sentence, e.g. "cannot reach the Docker engine: /var/run/docker.sock does not exist (is dockerd
/// running?)".
Result<Engine> read_engine(const std::string& socket_path);

/// The same, with knobs for tests and for speed.
struct EngineReadOptions {
  HttpLimits limits;
  std::string daemon_config_path = k_default_daemon_config;
  // GET /info only adds the engine's warnings and firewall backend, and
  // dockerd takes ~10 ms for it (it runs `runc --version`): often the
  // slowest request of the conversation even though it runs concurrently.
  bool read_info = true;
};
Result<Engine> read_engine(const std::string& socket_path, const EngineReadOptions& options);

/// The conversation read_engine has, in its two phases: list() (ping, the
/// list, the networks; /info started), then finish(ids) (the inspects of
/// `ids`, every container when nullopt; the daemon's settings). The client
/// must outlive it.
class Conversation;
struct ConversationEnd {
  void operator()(Conversation* conversation) const;
};
using ConversationPtr = std::unique_ptr<Conversation, ConversationEnd>;
ConversationPtr start_conversation(HttpUnixClient& client, const EngineReadOptions& options);
/// The query strings (filters=...) of a narrowed list, one list each.
std::vector<std::string> narrowed_list_queries(const ListFilter& filter);

/// Phase one; with `filter`, only the containers it matches where the
/// engine is Docker (Engine::narrowed), every one otherwise.
Result<Engine> list_engine(Conversation& conversation,
                           const std::optional<ListFilter>& filter = std::nullopt);
Result<Engine> finish_engine(Conversation& conversation, const InspectIds& ids);

/// GET {prefix}/containers/{id}/json, e.g. prefix "/v1.41": nullopt on 404.
Result<std::optional<Container>> inspect_container(HttpUnixClient& client, const std::string& prefix,
                                                   const std::string& id);

/// Reads daemon.json. Absent file -> defaults with read=false and no problem;
/// unreadable or invalid -> defaults with `problem` set. See
/// parse_daemon_config for the defaults that depend on `engine_version`.
DaemonConfig read_daemon_config(const std::string& path, const std::string& engine_version);

}  // namespace whyno::engine
