#pragma once
// Pure parsers for the Docker Engine API's answers and /etc/docker/daemon.json.
// They never throw: every field may be missing or null in some API version
// (or in Podman's Docker-compatible API), and a malformed answer becomes an
// Error naming the endpoint. Tested against JSON recorded from a real dockerd
// (tests/fixtures/engine/).

#include <string>
#include <string_view>
#include <vector>

#include "whyno/model/engine_facts.hpp"
#include "whyno/util/result.hpp"

namespace whyno::engine {

/// The newest Engine API version whyno-port understands (Docker 29.0). Newer
/// engines answer in this version's shape; older ones in their own.
inline constexpr std::string_view k_max_api_version = "1.52";
/// The oldest it reads: Docker 20.10 and podman's compatible API say 1.41.
inline constexpr std::string_view k_min_api_version = "1.41";

/// What GET /_ping says in its headers (the body is just "OK").
struct PingReply {
  std::string api_version;         // Api-Version, "" when absent
  std::string server;              // Server, e.g. "Docker/20.10.24+dfsg1 (linux)"
  std::string libpod_api_version;  // Libpod-Api-Version: only Podman sends it
  bool is_podman() const { return !libpod_api_version.empty(); }
};

/// Parses raw response header lines ("Name: value\r\n"...); names are
/// case-insensitive. Lines of earlier responses (e.g. a 100 Continue) are
/// overridden by later ones.
PingReply parse_ping_headers(std::string_view raw_headers);

/// As the docker CLI negotiates: min(server's Api-Version, k_max_api_version),
/// as "1.NN". An engine below k_min_api_version, or whose version is not one
/// (or empty), is an Error of one sentence naming `socket`.
Result<std::string> negotiate_api_version(std::string_view server_api_version, std::string_view socket);

/// GET /version.
struct VersionReply {
  std::string version;          // "20.10.24+dfsg1"
  std::string api_version;      // the engine's newest, "1.41"
  std::string min_api_version;  // "1.12"
  bool podman = false;          // a "Podman Engine" component is listed
};
Result<VersionReply> parse_version(std::string_view version_json);

/// GET /containers/json?all=1: every container as the list shows it
/// (Container::inspected false): id, name, image, state.status (and what it
/// implies of running, paused, restarting, dead), network_mode, the live
/// bindings (NetworkSettings.Ports with a host side, in the inspect's order),
/// the networks' ids and addresses, and the Compose labels, in the engine's
/// order. An id that is not one (ids end up in request paths) fails the
/// whole list, rather than leaving a container silently out.
Result<std::vector<Container>> parse_container_list(std::string_view list_json);

/// What Docker and podman ids look like (12 to 64 hex digits): ids go into
/// request paths, so nothing else may.
bool is_container_id(std::string_view id);

/// GET /containers/{id}/json.
Result<Container> parse_container(std::string_view inspect_json);

/// GET /networks.
Result<std::vector<Network>> parse_networks(std::string_view networks_json);

/// GET /info. Unreadable parts are simply absent: /info only adds context.
struct InfoReply {
  std::vector<std::string> warnings;  // e.g. "IPv4 forwarding is disabled"
  std::string firewall_backend;       // FirewallBackend.Driver (API >= 1.49), else ""
};
InfoReply parse_info(std::string_view info_json);
std::vector<std::string> parse_info_warnings(std::string_view info_json);

/// The engine's error body {"message": "..."}, or the trimmed body itself
/// when it is not that shape (proxies, old engines).
std::string parse_error_message(std::string_view body);

/// Parses daemon.json text. Absent keys keep the engine's defaults, which
/// depend on `engine_version` (ip6tables: off up to 26.x, on from 27.0).
/// Invalid JSON gives the defaults with `problem` set and read=false; a key
/// of the wrong type keeps its default and sets `problem`. `path` is not set.
DaemonConfig parse_daemon_config(std::string_view json, const std::string& engine_version);

/// The major number of an engine version ("20.10.24+dfsg1" -> 20), 0 if none.
int engine_major_version(std::string_view engine_version);

}  // namespace whyno::engine
