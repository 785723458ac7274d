#include "whyno/core/plan/query_check.hpp"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "whyno/core/plan/container_lookup.hpp"
#include "whyno/model/container_words.hpp"
#include "whyno/util/printable.hpp"
#include "whyno/util/words.hpp"

namespace whyno {

namespace {

/// A name the user typed that names no one container: one sentence with the
/// candidates (Compose replicas or projects) or the names it is close to.
std::optional<QueryProblem> unknown_name(const Engine& engine, const std::string& name,
                                         std::string_view option) {
  const NameLookup lookup = look_up_container(engine, name);
  if (lookup.found != nullptr) {
    return std::nullopt;
  }
  const std::string shown = excerpt(name, 80);
  const bool same_name =
      !lookup.candidates.empty() && std::all_of(lookup.candidates.begin(), lookup.candidates.end(),
                                                [&](const Container* c) { return c->name == name; });
  if (same_name) {
    std::vector<std::string> each;
    for (const Container* c : lookup.candidates) {
      const EngineIdentity* e = engine_of(engine, *c);
      each.push_back(fmt::format("{} of {}", c->id.substr(0, 12), e != nullptr ? describe(*e) : c->engine));
    }
    return QueryProblem{
        QueryProblem::Kind::usage,
        fmt::format("{} '{}' names {} containers of different engines: {}; give the id "
                    "of the one you mean",
                    option, shown, lookup.candidates.size(), excerpt(join_words(each, "and"), 200))};
  }
  if (!lookup.candidates.empty()) {
    std::vector<std::string> names;
    for (const Container* c : lookup.candidates) {
      names.push_back(c->compose_project.empty()
                          ? c->name
                          : fmt::format("{} ({}/{})", c->name, c->compose_project, c->compose_service));
    }
    return QueryProblem{QueryProblem::Kind::usage,
                        fmt::format("{} '{}' is the Compose service of {} containers: {}; name one "
                                    "(or PROJECT/SERVICE)",
                                    option, shown, names.size(), excerpt(join_words(names, "and"), 160))};
  }
  const auto near = names_like(engine, name);
  return QueryProblem{QueryProblem::Kind::usage,
                      near.empty() ? fmt::format("no container is named or has the id '{}'", shown)
                                   : fmt::format("no container is named or has the id '{}'; did you mean {}?",
                                                 shown, excerpt(join_words(near, "or"), 120))};
}

}  // namespace

std::optional<QueryProblem> check_query(const Query& query, const Engine& engine) {
  if (query.container) {
    if (auto unknown = unknown_name(engine, *query.container, "--container")) {
      return unknown;
    }
  }
  if (query.from_remote()) {
    if (query.target.is_this_host_loopback()) {
      const std::string client = excerpt(query.from->text, 60);
      return QueryProblem{QueryProblem::Kind::usage,
                          fmt::format("a client at {} cannot dial this host's loopback; give the "
                                      "address it dials, e.g. whyno-port 192.0.2.10:{} --from {}",
                                      client, query.port, client)};
    }
  } else if (query.from) {
    if (auto unknown = unknown_name(engine, query.from->text, "--from")) {
      return unknown;
    }
    const Container* client = look_up_container(engine, query.from->text).found;
    if (!client->state.running || client->state.paused) {
      return QueryProblem{QueryProblem::Kind::cannot_inspect,
                          fmt::format("the --from container '{}' {}, so it has no network to "
                                      "inspect; start it first",
                                      excerpt(client->name, 80), state_phrase(*client))};
    }
  }
  return std::nullopt;
}

/// --project names no project on this host: one sentence, with the
/// projects it is close to.
std::optional<std::string> unknown_project(const std::string& project, const Engine& engine) {
  std::vector<std::string> projects;
  for (const Container& c : engine.containers) {
    if (c.compose_project == project) {
      return std::nullopt;
    }
    if (!c.compose_project.empty() &&
        std::find(projects.begin(), projects.end(), c.compose_project) == projects.end()) {
      projects.push_back(c.compose_project);
    }
  }
  std::vector<std::string> near;
  for (const std::string& p : projects) {
    if (near_miss(project, p)) {
      near.push_back(p);
    }
  }
  std::string sentence = fmt::format("no container belongs to a Compose project '{}'", excerpt(project, 80));
  if (!near.empty()) {
    sentence += fmt::format("; did you mean {}?", excerpt(join_words(near, "or"), 120));
  } else if (!projects.empty()) {
    sentence += fmt::format(" (the projects here: {})", excerpt(join_words(projects, "and"), 160));
  }
  return sentence;
}

}  // namespace whyno
