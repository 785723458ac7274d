// One conversation with the engine, in two phases: ping to negotiate, then
// the list, the networks (and /info) concurrently; then, once the caller has
// chosen from the list, the inspects, while /info may still be running.
// dockerd answers /version and /info slowly (each runs `runc --version` and
// `docker-init --version`, ~10 ms), so /version is skipped when the ping
// already names the version, and /info overlaps the inspects.

#include "engine_reader.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "engine_json.hpp"
#include "whyno/util/printable.hpp"

namespace whyno::engine {

namespace {

bool is_success(const HttpResponse& response) { return response.status >= 200 && response.status < 300; }

std::string without_final_period(std::string text) {
  while (!text.empty() && (text.back() == '.' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

Error http_failure(const std::string& endpoint, const HttpResponse& response) {
  return Error{Error::Kind::unavailable,
               fmt::format("the Docker engine refused GET {} (HTTP {}: {})", endpoint, response.status,
                           excerpt(without_final_period(parse_error_message(response.body)), 160))};
}

/// "Docker/20.10.24+dfsg1 (linux)" -> "20.10.24+dfsg1"; "" when absent.
std::string version_from_server_header(std::string_view server) {
  const auto slash = server.find('/');
  if (slash == std::string_view::npos) {
    return {};
  }
  server.remove_prefix(slash + 1);
  return std::string(server.substr(0, server.find(' ')));
}

}  // namespace

std::vector<std::string> narrowed_list_queries(const ListFilter& filter) {
  // {"publish":["8080/tcp"]}, {"status":[...]}, {"network":["host","none"]},
  // percent-encoded for the query string.
  return {
      fmt::format("%7B%22publish%22%3A%5B%22{}%2F{}%22%5D%7D", filter.publish, to_string(filter.protocol)),
      "%7B%22status%22%3A%5B%22created%22%2C%22restarting%22%2C%22removing%22%2C%22paused%22%2C%22exited%22%"
      "2C"
      "%22dead%22%5D%7D",
      "%7B%22network%22%3A%5B%22host%22%2C%22none%22%5D%7D",
  };
}

class Conversation {
 public:
  Conversation(HttpUnixClient& client, const EngineReadOptions& options)
      : m_client(client), m_options(options) {}

  /// Phase one: the engine's identity, networks and list.
  Result<Engine> list(const std::optional<ListFilter>& filter) {
    WHYNO_TRY_ASSIGN(auto ping, m_client.get("/_ping"));
    const PingReply reply = parse_ping_headers(ping.headers);
    if (reply.api_version.empty() && !is_success(ping)) {
      return std::unexpected(http_failure("/_ping", ping));
    }
    m_engine.product = reply.is_podman() ? "podman" : "docker";
    m_engine.socket = m_client.socket_path();
    m_engine.version = version_from_server_header(reply.server);
    std::string server_api_version = reply.api_version;
    if (server_api_version.empty()) {
      // A proxy in front of the engine may drop the header: the unversioned
      // /version says it too.
      if (auto version = m_client.get("/version"); version && is_success(*version)) {
        if (auto parsed = parse_version(version->body)) {
          server_api_version = parsed->api_version;
          if (parsed->podman) {
            m_engine.product = "podman";  // its "Podman Engine" component says so
          }
          if (m_engine.version.empty()) {
            m_engine.version = parsed->version;
          }
        }
      }
    }
    WHYNO_TRY_ASSIGN(auto negotiated, negotiate_api_version(server_api_version, m_client.socket_path()));
    m_engine.api_version = std::move(negotiated);
    m_prefix = "/v" + m_engine.api_version;

    // The Server header ("Docker/20.10.24+dfsg1 (linux)", "Libpod/5.2.0
    // (linux)") names the version; /version costs dockerd two fork+execs.
    if (m_engine.version.empty()) {
      m_version = m_client.start(m_prefix + "/version");
    }
    // Narrowed (Docker only: podman's filters differ): what publishes the
    // port, what is not running, what is on the host's network or none,
    // each a list of its own (one filter key's values are alternatives,
    // different keys all apply), at once. dockerd builds each listed
    // container's summary: at 300 containers the whole list costs it
    // 45 ms more than these.
    const bool narrowed = filter && m_engine.product == "docker";
    m_engine.narrowed = narrowed;
    if (narrowed) {
      for (const std::string& query : narrowed_list_queries(*filter)) {
        m_lists.push_back(m_client.start(m_prefix + "/containers/json?all=1&filters=" + query));
      }
    } else {
      m_lists.push_back(m_client.start(m_prefix + "/containers/json?all=1"));
    }
    m_networks = m_client.start(m_prefix + "/networks");
    if (m_options.read_info) {
      m_info = m_client.start(m_prefix + "/info");
    }
    while (!(m_lists_read == m_lists.size() && m_have_networks)) {
      auto done = m_client.next();
      if (!done) {
        return fail(Error::Kind::invalid, "the engine's conversation ended before its list");
      }
      WHYNO_TRY(handle(done->first, done->second));
    }
    Engine listed;
    listed.product = m_engine.product;
    listed.version = m_engine.version;
    listed.api_version = m_engine.api_version;
    listed.socket = m_engine.socket;
    listed.networks = m_networks_read;
    listed.narrowed = narrowed;
    for (const auto& c : m_containers) {
      listed.containers.push_back(*c);
    }
    return listed;
  }

  /// Phase two: the containers `ids` inspected (every one when nullopt),
  /// the rest as listed, and the daemon's settings.
  Result<Engine> finish(const InspectIds& ids) {
    for (std::size_t i = 0; i < m_containers.size(); ++i) {
      const std::string& id = m_containers[i]->id;
      if (!ids || ids->contains(id)) {
        m_inspects[m_client.start(m_prefix + "/containers/" + id + "/json")] = i;
      }
    }
    while (auto done = m_client.next()) {
      WHYNO_TRY(handle(done->first, done->second));
    }
    for (auto& container : m_containers) {
      if (container) {
        m_engine.containers.push_back(std::move(*container));
      }
    }
    m_engine.networks = std::move(m_networks_read);
    if (m_engine.product == "docker") {
      m_engine.config = read_daemon_config(m_options.daemon_config_path, m_engine.version);
    }
    if (!m_firewall_backend.empty()) {
      // The engine's own word beats the file: flags can set it too.
      m_engine.config.firewall_backend = m_firewall_backend;
    }
    return std::move(m_engine);
  }

 private:
  Result<void> handle(HttpUnixClient::Ticket ticket, const Result<HttpResponse>& result) {
    if (m_info && ticket == *m_info) {
      // /info only adds the engine's warnings; a failing /info costs nothing else.
      if (result && is_success(*result)) {
        InfoReply info = parse_info(result->body);
        m_engine.warnings = std::move(info.warnings);
        m_firewall_backend = std::move(info.firewall_backend);
      }
      return {};
    }
    if (!result) {
      return std::unexpected(result.error());
    }
    const HttpResponse& response = *result;
    if (m_version && ticket == *m_version) {
      if (is_success(response)) {
        if (auto version = parse_version(response.body); version && !version->version.empty()) {
          m_engine.version = version->version;
        }
      }
      return {};
    }
    if (std::find(m_lists.begin(), m_lists.end(), ticket) != m_lists.end()) {
      return handle_list(response);
    }
    if (ticket == m_networks) {
      if (!is_success(response)) {
        return std::unexpected(http_failure(m_prefix + "/networks", response));
      }
      WHYNO_TRY_ASSIGN(auto networks, parse_networks(response.body));
      m_networks_read = std::move(networks);
      m_have_networks = true;
      return {};
    }
    return handle_inspect(ticket, response);
  }

  Result<void> handle_list(const HttpResponse& response) {
    if (!is_success(response)) {
      return std::unexpected(http_failure(m_prefix + "/containers/json", response));
    }
    WHYNO_TRY_ASSIGN(auto listed, parse_container_list(response.body));
    m_containers.reserve(m_containers.size() + listed.size());
    for (Container& c : listed) {
      // Narrowed lists overlap (a stopped container on the host's network).
      const bool known = std::any_of(m_containers.begin(), m_containers.end(),
                                     [&](const std::optional<Container>& k) { return k && k->id == c.id; });
      if (!known) {
        m_containers.emplace_back(std::move(c));
      }
    }
    ++m_lists_read;
    return {};
  }

  Result<void> handle_inspect(HttpUnixClient::Ticket ticket, const HttpResponse& response) {
    const auto it = m_inspects.find(ticket);
    if (it == m_inspects.end()) {
      return {};
    }
    if (response.status == 404) {
      m_containers[it->second].reset();  // removed between the list and its inspect: not ours to report
      return {};
    }
    if (!is_success(response)) {
      return std::unexpected(http_failure(m_prefix + "/containers/{id}/json", response));
    }
    WHYNO_TRY_ASSIGN(auto container, parse_container(response.body));
    m_containers[it->second] = std::move(container);
    return {};
  }

  HttpUnixClient& m_client;
  const EngineReadOptions& m_options;
  Engine m_engine;
  std::string m_prefix;
  std::string m_firewall_backend;
  std::optional<HttpUnixClient::Ticket> m_version;
  std::vector<HttpUnixClient::Ticket> m_lists;
  std::size_t m_lists_read = 0;
  HttpUnixClient::Ticket m_networks = 0;
  std::optional<HttpUnixClient::Ticket> m_info;
  std::map<HttpUnixClient::Ticket, std::size_t> m_inspects;  // ticket -> list position
  std::vector<std::optional<Container>> m_containers;        // in the list's order
  std::vector<Network> m_networks_read;
  bool m_have_networks = false;
};

Result<std::optional<Container>> inspect_container(HttpUnixClient& client, const std::string& prefix,
                                                   const std::string& id) {
  WHYNO_TRY_ASSIGN(auto response, client.get(prefix + "/containers/" + id + "/json"));
  if (response.status == 404) {
    return std::optional<Container>();
  }
  if (!is_success(response)) {
    return std::unexpected(http_failure(prefix + "/containers/{id}/json", response));
  }
  WHYNO_TRY_ASSIGN(auto container, parse_container(response.body));
  return std::optional<Container>(std::move(container));
}

Result<Engine> read_engine(const std::string& socket_path, const EngineReadOptions& options) {
  HttpUnixClient client(socket_path, options.limits);
  Conversation conversation(client, options);
  WHYNO_TRY(conversation.list(std::nullopt));
  return conversation.finish(std::nullopt);
}

void ConversationEnd::operator()(Conversation* conversation) const { delete conversation; }

ConversationPtr start_conversation(HttpUnixClient& client, const EngineReadOptions& options) {
  return ConversationPtr(new Conversation(client, options));
}

Result<Engine> list_engine(Conversation& conversation, const std::optional<ListFilter>& filter) {
  return conversation.list(filter);
}

Result<Engine> finish_engine(Conversation& conversation, const InspectIds& ids) {
  return conversation.finish(ids);
}

Result<Engine> read_engine(const std::string& socket_path) {
  return read_engine(socket_path, EngineReadOptions{});
}

}  // namespace whyno::engine
