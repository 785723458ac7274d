// Finding the engines: the user's choice alone when there is one, else the
// docker context and every well-known socket that is there. Pure over
// DiscoveryHost; the live host is discovery_host.cpp.

#include "whyno/engine/discovery.hpp"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "engine_json_fields.hpp"
#include "whyno/util/printable.hpp"

namespace whyno::engine {

namespace {

using json_fields::Json;
using json_fields::member;
using json_fields::string_at;

constexpr std::string_view k_unix_scheme = "unix://";

/// "unix:///p" -> "/p"; "unix://" -> the default socket; nullopt for another scheme.
std::optional<std::string> unix_socket_path(std::string_view url) {
  if (!url.starts_with(k_unix_scheme)) {
    return std::nullopt;
  }
  const std::string_view path = url.substr(k_unix_scheme.size());
  return path.empty() ? std::string(k_default_docker_socket) : std::string(path);
}

Error unsupported(std::string_view where, std::string_view url) {
  const auto scheme_end = url.find("://");
  const std::string scheme =
      scheme_end == std::string_view::npos ? std::string() : std::string(url.substr(0, scheme_end + 3));
  return Error{
      Error::Kind::unsupported,
      fmt::format(
          "{}{} is not supported: whyno-port reads the engine of this host over its "
          "unix socket ({}tcp:// and ssh:// are not); give --engine unix:///PATH",
          where, excerpt(url, 80),
          scheme.empty() || scheme == "tcp://" || scheme == "ssh://" ? "" : excerpt(scheme, 20) + ", ")};
}

Result<std::string> engine_option_path(std::string_view option) {
  if (option.empty()) {
    return fail(Error::Kind::invalid, "--engine takes a unix socket: unix:///PATH or a PATH");
  }
  if (option.find("://") == std::string_view::npos) {
    return std::string(option);
  }
  if (auto path = unix_socket_path(option)) {
    return std::move(*path);
  }
  return std::unexpected(unsupported("--engine ", option));
}

class Finder {
 public:
  explicit Finder(const DiscoveryHost& host) : m_host(host) {}

  /// Adds `path` if it is a socket (or, `always`, even when it is not there).
  void add(const std::string& path, std::string origin, bool always = false) {
    if (std::find(m_discovery.looked_at.begin(), m_discovery.looked_at.end(), path) ==
        m_discovery.looked_at.end()) {
      m_discovery.looked_at.push_back(path);
    }
    const auto socket = m_host.socket_at(path);
    if (!socket && !always) {
      return;
    }
    for (const auto& [seen, endpoint] : m_seen) {
      if (endpoint.path == path ||
          (socket && seen && seen->device == socket->device && seen->inode == socket->inode)) {
        return;  // /var/run is /run: one engine, once
      }
    }
    EngineEndpoint endpoint{path, std::move(origin), std::nullopt};
    if (socket) {
      endpoint.owner = socket->owner;
    }
    m_seen.emplace_back(socket, std::move(endpoint));
  }

  Discovery& discovery() { return m_discovery; }

  Discovery finish() {
    for (auto& [socket, endpoint] : m_seen) {
      m_discovery.endpoints.push_back(std::move(endpoint));
    }
    return std::move(m_discovery);
  }

 private:
  const DiscoveryHost& m_host;
  std::vector<std::pair<std::optional<DiscoveryHost::SocketFile>, EngineEndpoint>> m_seen;
  Discovery m_discovery;
};

std::string docker_config_dir(const DiscoveryHost& host) {
  if (auto dir = host.env("DOCKER_CONFIG"); dir && !dir->empty()) {
    return *dir;
  }
  const auto home = host.env("HOME");
  return (home && !home->empty() ? *home : std::string("/root")) + "/.docker";
}

/// The current docker context's endpoint, as the docker CLI picks it:
/// DOCKER_CONTEXT, else config.json's currentContext; "default" is the
/// plain socket and adds nothing.
void add_docker_context(const DiscoveryHost& host, Finder& finder) {
  const std::string dir = docker_config_dir(host);
  std::string name = host.env("DOCKER_CONTEXT").value_or("");
  if (name.empty()) {
    const auto config = host.read_file(dir + "/config.json");
    if (!config) {
      return;
    }
    const Json json = Json::parse(*config, nullptr, false);
    name = string_at(json, "currentContext");
  }
  if (name.empty() || name == "default") {
    return;
  }
  const std::string source = fmt::format("docker context {}", excerpt(name, 60));
  const std::string meta_path = fmt::format("{}/contexts/meta/{}/meta.json", dir, sha256_hex(name));
  const auto meta = host.read_file(meta_path);
  if (!meta) {
    finder.discovery().unusable.push_back(
        {source, fmt::format("it is the current context, but {} is missing", excerpt(meta_path, 160))});
    return;
  }
  const Json json = Json::parse(*meta, nullptr, false);
  const Json* endpoints = member(json, "Endpoints");
  const Json* docker = endpoints ? member(*endpoints, "docker") : nullptr;
  const std::string url = docker ? string_at(*docker, "Host") : std::string();
  if (url.empty()) {
    finder.discovery().unusable.push_back(
        {source, fmt::format("{} names no Endpoints.docker.Host", excerpt(meta_path, 160))});
    return;
  }
  if (auto path = unix_socket_path(url)) {
    finder.add(*path, source, /*always=*/true);
    return;
  }
  finder.discovery().unusable.push_back(
      {source, fmt::format("it points at {}, and whyno-port reads only an engine of this host, over "
                           "its unix socket",
                           excerpt(url, 80))});
}

}  // namespace

Result<Discovery> discover_engines(const DiscoveryHost& host, const std::optional<std::string>& engine_option,
                                   bool user_engines) {
  Finder finder(host);
  if (engine_option) {
    WHYNO_TRY_ASSIGN(auto path, engine_option_path(*engine_option));
    finder.add(path, "--engine", /*always=*/true);
    finder.discovery().chosen = true;
    return finder.finish();
  }
  if (const auto docker_host = host.env("DOCKER_HOST"); docker_host && !docker_host->empty()) {
    const auto path = unix_socket_path(*docker_host);
    if (!path) {
      return std::unexpected(unsupported("DOCKER_HOST=", *docker_host));
    }
    finder.add(*path, "DOCKER_HOST", /*always=*/true);
    finder.discovery().chosen = true;
    return finder.finish();
  }
  add_docker_context(host, finder);
  finder.add(k_default_docker_socket, "default");
  finder.add(k_rootful_podman_socket, "default");
  if (const auto runtime_dir = host.env("XDG_RUNTIME_DIR"); runtime_dir && !runtime_dir->empty()) {
    finder.add(*runtime_dir + "/docker.sock", "XDG_RUNTIME_DIR");
    finder.add(*runtime_dir + "/podman/podman.sock", "XDG_RUNTIME_DIR");
  }
  const bool users_too = !host.is_root() || user_engines;
  if (host.is_root() && users_too) {
    for (const unsigned uid : host.runtime_dir_uids()) {
      finder.add(fmt::format("/run/user/{}/docker.sock", uid), "default");
      finder.add(fmt::format("/run/user/{}/podman/podman.sock", uid), "default");
    }
  }
  Discovery found = finder.finish();
  found.podman_files = host.is_root() && host.exists(k_podman_containers_json);
  // Rootless podman with no API service: its database and files. Root looks
  // at every user with a runtime dir (a running container needs one).
  const auto add_user_files = [&](unsigned uid) {
    const auto home = uid != 0 ? host.home_of(uid) : std::nullopt;
    if (home && host.exists(*home + "/.local/share/containers/storage/libpod/bolt_state.db")) {
      found.podman_user_files.push_back({uid, *home});
    }
  };
  if (host.is_root()) {
    for (const unsigned uid : users_too ? host.runtime_dir_uids() : std::vector<unsigned>{}) {
      add_user_files(uid);
    }
  } else {
    add_user_files(host.uid());
  }
  if (found.endpoints.empty()) {
    // Nothing there: the error of the usual socket says so, as it always did.
    found.endpoints.push_back({k_default_docker_socket, "default", std::nullopt});
  }
  return found;
}

}  // namespace whyno::engine
