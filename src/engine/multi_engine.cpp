// Several engines as one EngineSource: a host may run Docker and podman
// side by side (and a user's rootless ones), and a port conflict between
// them is a real case, so every engine that answers is read, at once.

#include <algorithm>
#include <future>
#include <map>

#include <fmt/format.h>

#include "podman_state.hpp"
#include "whyno/engine/engine_source.hpp"
#include "whyno/util/printable.hpp"
#include "whyno/util/words.hpp"

namespace whyno::engine {

namespace {

EngineIdentity identity_of(const Engine& engine, const EngineEndpoint& endpoint) {
  EngineIdentity identity;
  identity.kind = engine.product;
  identity.version = engine.version;
  identity.api_version = engine.api_version;
  identity.endpoint = endpoint.path;
  identity.uid = endpoint.owner;
  identity.rootless = endpoint.owner && *endpoint.owner != 0;
  return identity;
}

class MultiEngine final : public EngineSource {
 public:
  MultiEngine(std::vector<EngineEndpoint> endpoints, std::vector<std::unique_ptr<EngineSource>> sources,
              std::vector<Unread> unusable, std::vector<EngineFiles> files)
      : m_endpoints(std::move(endpoints)), m_sources(std::move(sources)), m_unusable(std::move(unusable)),
        m_primaries(m_sources.size()) {
    for (EngineFiles& f : files) {
      m_endpoints.push_back({f.path, "podman's files", f.uid});
      m_sources.push_back(std::move(f.source));
    }
  }

  using EngineSource::read;
  Result<Engine> read(const InspectChoice& choose) override {
    std::vector<std::future<Result<Engine>>> reads;
    for (std::size_t i = 0; i < m_primaries; ++i) {
      reads.push_back(
          std::async(std::launch::async, [this, i, &choose] { return m_sources[i]->read(choose); }));
    }
    std::vector<std::optional<Engine>> answers(reads.size());
    std::vector<std::pair<const EngineEndpoint*, Error>> failures;
    for (std::size_t i = 0; i < reads.size(); ++i) {
      auto engine = reads[i].get();
      if (!engine) {
        failures.emplace_back(&m_endpoints[i], engine.error());
        continue;
      }
      answers[i] = std::move(*engine);
    }
    Engine merged;
    bool docker_config = false;
    m_owner.clear();
    // Root's engines first, their files included: what they report is
    // authoritative, and a user's engine that claims the same container is
    // not believed (add()).
    for (const bool users : {false, true}) {
      for (std::size_t i = 0; i < answers.size(); ++i) {
        if (answers[i] && is_users(m_endpoints[i]) == users) {
          add(merged, std::move(*answers[i]), i, docker_config);
        }
      }
      add_files(merged, users, docker_config, failures);
    }
    if (merged.engines.empty()) {
      return std::unexpected(none_answered(failures));
    }
    for (const auto& [endpoint, error] : failures) {
      if (endpoint->origin == "default" && !endpoint->owner) {
        continue;  // the usual socket, tried although absent: only news when nothing answers
      }
      merged.unread.push_back({fmt::format("engine at {}", endpoint->path), error.message});
    }
    merged.unread.insert(merged.unread.end(), m_unusable.begin(), m_unusable.end());
    return merged;
  }

  Result<std::optional<Container>> inspect(const std::string& id) override {
    const auto it = m_owner.find(id);
    if (it == m_owner.end()) {
      return std::optional<Container>();  // no engine reported it: it is gone for us
    }
    WHYNO_TRY_ASSIGN(auto fresh, m_sources[it->second]->inspect(id));
    if (fresh) {
      fresh->engine = m_endpoints[it->second].path;
      fresh->engine_uid = m_endpoints[it->second].owner.value_or(0U);
    }
    return fresh;
  }

 private:
  static bool is_users(const EngineEndpoint& endpoint) { return endpoint.owner.value_or(0U) != 0; }

  /// podman's files, root's or the users', for each store whose podman API
  /// did not answer.
  void add_files(Engine& merged, bool users, bool& docker_config,
                 std::vector<std::pair<const EngineEndpoint*, Error>>& failures) {
    for (std::size_t i = m_primaries; i < m_sources.size(); ++i) {
      if (is_users(m_endpoints[i]) != users) {
        continue;
      }
      const unsigned uid = m_endpoints[i].owner.value_or(0U);
      const bool api_answered = std::any_of(merged.engines.begin(), merged.engines.end(), [&](const EngineIdentity& e) {
        return e.kind == "podman" && !e.from_files && e.uid.value_or(0U) == uid;
      });
      if (api_answered) {
        continue;
      }
      // No podman API of this user: its files say what they can. Absent files are no news.
      auto engine = m_sources[i]->read();
      if (engine && !engine->containers.empty()) {
        // No container: podman is installed, not used; that is no engine answering.
        add(merged, std::move(*engine), i, docker_config);
      } else if (!engine && engine.error().kind != Error::Kind::not_found) {
        failures.emplace_back(&m_endpoints[i], engine.error());
      }
    }
  }

  /// Root's container with `c`'s id or name, when `c` comes from a user's engine.
  static const Container* root_claims(const Engine& merged, const Container& c) {
    for (const Container& theirs : merged.containers) {
      if (theirs.engine_uid == 0 && (theirs.id == c.id || (!c.name.empty() && theirs.name == c.name))) {
        return &theirs;
      }
    }
    return nullptr;
  }

  void add(Engine& merged, Engine engine, std::size_t index, bool& docker_config) {
    const EngineEndpoint& endpoint = m_endpoints[index];
    if (merged.engines.empty()) {
      merged.product = engine.product;
      merged.version = engine.version;
      merged.api_version = engine.api_version;
      merged.socket = engine.socket;
      merged.config = engine.config;
    }
    if (engine.product == "docker" && !docker_config) {
      // daemon.json is Docker's; podman's defaults say nothing about it.
      merged.config = engine.config;
      docker_config = true;
    }
    merged.engines.push_back(engine.engines.empty() ? identity_of(engine, endpoint) : engine.engines.front());
    merged.unread.insert(merged.unread.end(), engine.unread.begin(), engine.unread.end());
    const std::string kind = engine.engines.empty() ? engine.product : engine.engines.front().kind;
    const unsigned uid = endpoint.owner.value_or(0U);
    for (Container& c : engine.containers) {
      c.engine = endpoint.path;
      c.engine_kind = kind;
      c.engine_uid = uid;
      if (const Container* root = uid != 0 ? root_claims(merged, c) : nullptr) {
        merged.not_believed.push_back(
            {uid, endpoint.path,
             fmt::format("it reports container `{}` ({}), as root's engine at {} does (`{}`, {})",
                         excerpt(c.name, 60), excerpt(c.id, 12), root->engine, root->name,
                         root->id.substr(0, 12))});
        continue;
      }
      m_owner.emplace(c.id, index);
      merged.containers.push_back(std::move(c));
    }
    for (Network& n : engine.networks) {
      n.engine = endpoint.path;
      merged.networks.push_back(std::move(n));
    }
    merged.warnings.insert(merged.warnings.end(), engine.warnings.begin(), engine.warnings.end());
  }

  Error none_answered(const std::vector<std::pair<const EngineEndpoint*, Error>>& failures) const {
    Error first = failures.front().second;
    if (failures.size() > 1) {
      std::vector<std::string> others;
      for (std::size_t i = 1; i < failures.size(); ++i) {
        others.push_back(failures[i].first->path);
      }
      first.message = fmt::format("{} (nor did the engine at {})", without_period(first.message),
                                  excerpt(join_words(others, "or"), 120));
    }
    return first;
  }

  static std::string without_period(std::string text) {
    while (!text.empty() && text.back() == '.') {
      text.pop_back();
    }
    return text;
  }

  std::vector<EngineEndpoint> m_endpoints;
  std::vector<std::unique_ptr<EngineSource>> m_sources;
  std::vector<Unread> m_unusable;
  std::size_t m_primaries = 0;                 // the sockets; after them, podman's files
  std::map<std::string, std::size_t> m_owner;  // container id -> its engine's index
};

}  // namespace

std::unique_ptr<EngineSource> merge_engines(std::vector<EngineEndpoint> endpoints,
                                            std::vector<std::unique_ptr<EngineSource>> sources,
                                            std::vector<Unread> unusable, std::vector<EngineFiles> files) {
  return std::make_unique<MultiEngine>(std::move(endpoints), std::move(sources), std::move(unusable),
                                       std::move(files));
}

std::unique_ptr<EngineSource> merge_engines(std::vector<EngineEndpoint> endpoints,
                                            std::vector<std::unique_ptr<EngineSource>> sources,
                                            std::vector<Unread> unusable,
                                            std::unique_ptr<EngineSource> podman_files) {
  std::vector<EngineFiles> files;
  if (podman_files) {
    files.push_back({std::move(podman_files), 0U, k_podman_storage});
  }
  return merge_engines(std::move(endpoints), std::move(sources), std::move(unusable), std::move(files));
}

std::unique_ptr<EngineSource> open_engines(const Discovery& discovery, bool read_info) {
  std::vector<std::unique_ptr<EngineSource>> sources;
  for (const EngineEndpoint& endpoint : discovery.endpoints) {
    sources.push_back(open_engine_api(endpoint.path, read_info));
  }
  std::vector<EngineFiles> files;
  if (discovery.podman_files) {
    files.push_back({open_podman_state(live_state_files(0)), 0U, k_podman_storage});
  }
  for (const PodmanUserFiles& user : discovery.podman_user_files) {
    PodmanStore store = rootless_podman_store(user.uid, user.home);
    const std::string path = store.storage;
    files.push_back({open_podman_state(live_state_files(user.uid), std::move(store)), user.uid, path});
  }
  return merge_engines(discovery.endpoints, std::move(sources), discovery.unusable, std::move(files));
}

}  // namespace whyno::engine
