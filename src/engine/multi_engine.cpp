// Several engines as one EngineSource: a host may run Docker and podman
// side by side (and a user's rootless ones), and a port conflict between
// them is a real case, so every engine that answers is read, at once.

#include <algorithm>
#include <cerrno>
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
              std::vector<Unread> unusable, std::vector<EngineFiles> files,
              std::vector<std::string> looked_at)
      : m_endpoints(std::move(endpoints)),
        m_sources(std::move(sources)),
        m_unusable(std::move(unusable)),
        m_primaries(m_sources.size()),
        m_looked_at(std::move(looked_at)) {
    for (EngineFiles& f : files) {
      m_endpoints.push_back({f.path, "podman's files", f.uid});
      m_sources.push_back(std::move(f.source));
    }
  }

  Result<Engine> list() override { return list_filtered(std::nullopt); }

  /// Narrowed only where every engine is root's: a user engine's claims are
  /// weighed against every container of root's (root_claims).
  Result<Engine> list_narrowed(const ListFilter& filter) override {
    const bool users = std::any_of(m_endpoints.begin(), m_endpoints.end(),
                                   [](const EngineEndpoint& e) { return is_users(e); });
    return list_filtered(users ? std::nullopt : std::optional(filter));
  }

  Result<Engine> list_filtered(const std::optional<ListFilter>& filter) {
    m_answers.assign(m_sources.size(), std::nullopt);
    m_failures.clear();
    std::vector<std::future<Result<Engine>>> lists;
    for (std::size_t i = 0; i < m_primaries; ++i) {
      lists.push_back(std::async(std::launch::async, [this, i, &filter] {
        return filter ? m_sources[i]->list_narrowed(*filter) : m_sources[i]->list();
      }));
    }
    for (std::size_t i = 0; i < lists.size(); ++i) {
      take(i, lists[i].get());
    }
    list_files();
    return merged();
  }

  Result<Engine> finish(const InspectIds& ids) override {
    std::vector<std::pair<std::size_t, std::future<Result<Engine>>>> finishing;
    for (std::size_t i = 0; i < m_sources.size(); ++i) {
      if (m_answers[i]) {
        finishing.emplace_back(
            i, std::async(std::launch::async, [this, i, &ids] { return m_sources[i]->finish(ids); }));
      }
    }
    for (auto& [i, engine] : finishing) {
      m_answers[i].reset();
      take(i, engine.get());
    }
    return merged();
  }

  Result<std::optional<Container>> inspect(const std::string& id) override {
    const auto it = m_owner.find(id);
    if (it == m_owner.end()) {
      return inspect_unlisted(id);
    }
    return inspect_in(it->second, id);
  }

 private:
  static bool is_users(const EngineEndpoint& endpoint) { return endpoint.owner.value_or(0U) != 0; }

  /// What an engine's containers say they are (Container::engine_kind).
  static std::string kind_of(const Engine& engine) {
    return engine.engines.empty() ? engine.product : engine.engines.front().kind;
  }

  Result<std::optional<Container>> inspect_in(std::size_t source, const std::string& id) {
    WHYNO_TRY_ASSIGN(auto fresh, m_sources[source]->inspect(id));
    if (fresh) {
      fresh->engine = m_endpoints[source].path;
      if (m_answers[source]) {
        fresh->engine_kind = kind_of(*m_answers[source]);
      }
      fresh->engine_uid = m_endpoints[source].owner.value_or(0U);
    }
    return fresh;
  }

  /// A container no engine listed: after a narrowed list (what publishes
  /// the port), one whose process holds a socket read. Only a narrowed
  /// list leaves any out, and it is root's engines' alone; otherwise no
  /// engine reported it, and it is gone for us.
  Result<std::optional<Container>> inspect_unlisted(const std::string& id) {
    for (std::size_t i = 0; i < m_primaries; ++i) {
      if (!m_answers[i] || !m_answers[i]->narrowed || is_users(m_endpoints[i])) {
        continue;
      }
      auto found = inspect_in(i, id);
      if (found && *found) {
        m_owner[id] = i;
        return found;
      }
    }
    return std::optional<Container>();
  }

  /// An engine's answer, or why there is none.
  void take(std::size_t i, Result<Engine> engine) {
    if (engine) {
      m_answers[i] = std::move(*engine);
    } else {
      m_failures.emplace_back(i, engine.error());
    }
  }

  /// podman's files, root's or the users', for each store whose podman API
  /// did not answer.
  void list_files() {
    for (std::size_t i = m_primaries; i < m_sources.size(); ++i) {
      const unsigned uid = m_endpoints[i].owner.value_or(0U);
      bool api_answered = false;
      for (std::size_t j = 0; j < m_primaries; ++j) {
        if (m_answers[j]) {
          const EngineIdentity e = identity_in(*m_answers[j], m_endpoints[j]);
          api_answered = api_answered || (e.kind == "podman" && !e.from_files && e.uid.value_or(0U) == uid);
        }
      }
      if (api_answered) {
        continue;
      }
      // No podman API of this user: its files say what they can. Absent files are no news.
      auto engine = m_sources[i]->list();
      if (engine && !engine->containers.empty()) {
        // No container: podman is installed, not used; that is no engine answering.
        m_answers[i] = std::move(*engine);
      } else if (!engine && engine.error().kind != Error::Kind::not_found) {
        m_failures.emplace_back(i, engine.error());
      }
    }
  }

  static EngineIdentity identity_in(const Engine& engine, const EngineEndpoint& endpoint) {
    return engine.engines.empty() ? identity_of(engine, endpoint) : engine.engines.front();
  }

  /// Every answer merged: root's engines first (their files included), so
  /// that what they report is authoritative and a user's engine that claims
  /// the same container is not believed (add()).
  Result<Engine> merged() {
    Engine merged;
    bool docker_config = false;
    m_owner.clear();
    for (const bool users : {false, true}) {
      for (std::size_t i = 0; i < m_answers.size(); ++i) {
        if (m_answers[i] && is_users(m_endpoints[i]) == users) {
          add(merged, *m_answers[i], i, docker_config);
        }
      }
    }
    if (merged.engines.empty()) {
      if (nothing_there()) {
        // A containerd or Kubernetes node, LXC, libvirt, plain `ip netns`: a
        // host like any other, whose namespaces the packet finds.
        merged.product = "none";
        merged.absent = fmt::format("no container engine runs on this host: whyno-port looked for {}{}",
                                    excerpt(join_words(m_looked_at, "and"), 220),
                                    m_primaries < m_sources.size() ? " and podman's files" : "");
        return merged;
      }
      return std::unexpected(none_answered());
    }
    for (const auto& [i, error] : m_failures) {
      const EngineEndpoint& endpoint = m_endpoints[i];
      if (endpoint.origin == "default" && !endpoint.owner) {
        continue;  // the usual socket, tried although absent: only news when nothing answers
      }
      merged.unread.push_back({fmt::format("engine at {}", endpoint.path), error.message});
    }
    merged.unread.insert(merged.unread.end(), m_unusable.begin(), m_unusable.end());
    return merged;
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

  void add(Engine& merged, Engine engine, std::size_t index,
           bool& docker_config) {  // a copy: finish() merges again
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
    merged.engines.push_back(identity_in(engine, endpoint));
    merged.narrowed = merged.narrowed || engine.narrowed;
    merged.unread.insert(merged.unread.end(), engine.unread.begin(), engine.unread.end());
    const std::string kind = kind_of(engine);
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

  /// No engine found where engines live, none asked for by name: every
  /// socket looked at is absent (a socket that is there but does not
  /// answer is a broken engine, and --engine or DOCKER_HOST one the user
  /// means).
  bool nothing_there() const {
    return std::all_of(m_failures.begin(), m_failures.end(),
                       [](const auto& failure) { return failure.second.error_number == ENOENT; }) &&
           std::all_of(m_endpoints.begin(), m_endpoints.begin() + static_cast<std::ptrdiff_t>(m_primaries),
                       [](const EngineEndpoint& e) { return e.origin == "default" && !e.owner; });
  }

  Error none_answered() const {
    if (m_failures.empty()) {
      return Error{Error::Kind::unavailable, "no engine answered"};
    }
    Error first = m_failures.front().second;
    const bool none_there = std::all_of(m_failures.begin(), m_failures.end(), [](const auto& failure) {
      return failure.second.error_number == ENOENT;
    });
    if (none_there && m_looked_at.size() > 1) {
      // Nothing anywhere: say every place looked, not only the first.
      first.message = fmt::format(
          "no container engine answers on this host: whyno-port looked for {}{}, and none is there (is "
          "dockerd or podman running?)",
          excerpt(join_words(m_looked_at, "and"), 220),
          m_primaries < m_sources.size() ? " and podman's files" : "");
      return first;
    }
    if (m_failures.size() > 1) {
      std::vector<std::string> others;
      for (std::size_t i = 1; i < m_failures.size(); ++i) {
        others.push_back(m_endpoints[m_failures[i].first].path);
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
  std::size_t m_primaries = 0;
  std::vector<std::string> m_looked_at;  // every socket discovery looked for                            //
                                         // the sockets; after them, podman's files
  std::map<std::string, std::size_t> m_owner;             // container id -> its engine's index
  std::vector<std::optional<Engine>> m_answers;           // per source, from list() on
  std::vector<std::pair<std::size_t, Error>> m_failures;  // per source that did not answer
};

}  // namespace

std::unique_ptr<EngineSource> merge_engines(std::vector<EngineEndpoint> endpoints,
                                            std::vector<std::unique_ptr<EngineSource>> sources,
                                            std::vector<Unread> unusable, std::vector<EngineFiles> files,
                                            std::vector<std::string> looked_at) {
  return std::make_unique<MultiEngine>(std::move(endpoints), std::move(sources), std::move(unusable),
                                       std::move(files), std::move(looked_at));
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
  return merge_engines(discovery.endpoints, std::move(sources), discovery.unusable, std::move(files),
                       discovery.looked_at);
}

}  // namespace whyno::engine
