#include "whyno/core/plan/container_lookup.hpp"

#include <algorithm>

#include "whyno/util/words.hpp"

namespace whyno {

namespace {

const Container* exactly(const Engine& engine, std::string_view key) {
  for (const auto& c : engine.containers) {
    if (c.name == key || c.id == key) {
      return &c;
    }
  }
  return nullptr;
}

/// The one container whose id starts with `key`; nullptr for none or two.
const Container* by_id_prefix(const Engine& engine, std::string_view key) {
  const Container* match = nullptr;
  for (const auto& c : engine.containers) {
    if (c.id.starts_with(key)) {
      if (match != nullptr) {
        return nullptr;  // ambiguous prefix
      }
      match = &c;
    }
  }
  return match;
}

}  // namespace

const Container* find_container(const Engine& engine, std::string_view key) {
  if (key.empty()) {
    return nullptr;
  }
  if (const Container* c = exactly(engine, key)) {
    return c;
  }
  return by_id_prefix(engine, key);
}

NameLookup look_up_container(const Engine& engine, std::string_view name) {
  NameLookup lookup;
  if (name.empty()) {
    return lookup;
  }
  // One name in two engines (Docker's web and podman's web): which one is
  // the user's to say, by id.
  for (const auto& c : engine.containers) {
    if (c.name == name) {
      lookup.candidates.push_back(&c);
    }
  }
  if (lookup.candidates.size() > 1) {
    return lookup;
  }
  lookup.candidates.clear();
  lookup.found = exactly(engine, name);
  if (lookup.found != nullptr) {
    return lookup;
  }
  // "project/service" picks one project's service. A service's name is a
  // word the user typed, so it wins over an id that merely starts with the
  // same letters ("db" and an id 'db41...').
  std::string_view project;
  std::string_view service = name;
  if (const auto slash = name.find('/'); slash != std::string_view::npos) {
    project = name.substr(0, slash);
    service = name.substr(slash + 1);
  }
  for (const auto& c : engine.containers) {
    if (!c.compose_service.empty() && c.compose_service == service &&
        (project.empty() || c.compose_project == project)) {
      lookup.candidates.push_back(&c);
    }
  }
  if (lookup.candidates.empty()) {
    lookup.found = by_id_prefix(engine, name);
  } else if (lookup.candidates.size() == 1) {
    lookup.found = lookup.candidates.front();
    lookup.candidates.clear();
  }
  return lookup;
}

std::vector<std::string> names_like(const Engine& engine, std::string_view name) {
  std::vector<std::pair<std::size_t, std::string>> near;
  const auto consider = [&](const std::string& candidate) {
    if (candidate.empty() || !near_miss(candidate, name)) {
      return;
    }
    if (std::none_of(near.begin(), near.end(), [&](const auto& n) { return n.second == candidate; })) {
      near.emplace_back(edit_distance(candidate, name), candidate);
    }
  };
  for (const auto& c : engine.containers) {
    consider(c.name);
    consider(c.compose_service);
  }
  std::sort(near.begin(), near.end());
  std::vector<std::string> names;
  for (std::size_t i = 0; i < near.size() && i < 3; ++i) {
    names.push_back(near[i].second);
  }
  return names;
}

Attachment container_with_address(const Engine& engine, const IpAddress& address) {
  for (const auto& c : engine.containers) {
    for (const auto& n : c.networks) {
      if ((n.ipv4 && *n.ipv4 == address) || (n.ipv6 && *n.ipv6 == address)) {
        return {&c, &n};
      }
    }
  }
  return {};
}

const Network* find_network(const Engine& engine, std::string_view key) {
  for (const auto& n : engine.networks) {
    if (n.name == key || n.id == key) {
      return &n;
    }
  }
  return nullptr;
}

std::vector<std::string> network_names(const Container& c) {
  std::vector<std::string> names;
  for (const auto& n : c.networks) {
    names.push_back(n.name);
  }
  return names;
}

const EngineIdentity* engine_of(const Engine& engine, const Container& c) {
  for (const EngineIdentity& e : engine.engines) {
    if (e.endpoint == c.engine) {
      return &e;
    }
  }
  return nullptr;
}

bool is_podman(const Engine& engine, const Container& c) {
  const EngineIdentity* e = engine_of(engine, c);
  return e != nullptr ? e->kind == "podman" : engine.product == "podman";
}

std::vector<const ContainerNetwork*> shared_networks(const Container& a, const Container& b) {
  std::vector<const ContainerNetwork*> out;
  if (a.engine != b.engine) {
    return out;  // Docker's `bridge` and podman's are different networks
  }
  for (const auto& n : b.networks) {
    const bool shared = std::any_of(a.networks.begin(), a.networks.end(), [&](const auto& m) {
      return m.name == n.name || (!m.network_id.empty() && m.network_id == n.network_id);
    });
    if (shared) {
      out.push_back(&n);
    }
  }
  return out;
}

bool is_user_defined(const Engine& engine, const ContainerNetwork& n) {
  const Network* network = find_network(engine, n.network_id.empty() ? n.name : n.network_id);
  if (network == nullptr) {
    network = find_network(engine, n.name);
  }
  if (network != nullptr) {
    return !network->is_default_bridge() && network->driver != "host" && network->driver != "null";
  }
  return n.name != "bridge" && n.name != "host" && n.name != "none";
}

bool shares_host_network(const Container& c) { return c.network_mode == "host"; }

bool has_no_network(const Container& c) { return c.network_mode == "none"; }

const Network* only_internal_network(const Engine& engine, const Container& c) {
  const Network* internal = nullptr;
  for (const auto& n : c.networks) {
    const Network* network = find_network(engine, n.network_id.empty() ? n.name : n.network_id);
    if (network == nullptr) {
      network = find_network(engine, n.name);
    }
    if (network == nullptr || !network->internal) {
      return nullptr;
    }
    internal = network;
  }
  return internal;
}

const Network* network_of(const Engine& engine, const ContainerNetwork& n) {
  const Network* network = find_network(engine, n.network_id.empty() ? n.name : n.network_id);
  return network != nullptr ? network : find_network(engine, n.name);
}

bool is_macvlan_like(const Network& n) { return n.driver == "macvlan" || n.driver == "ipvlan"; }

const Network* only_macvlan_network(const Engine& engine, const Container& c) {
  const Network* found = nullptr;
  for (const auto& n : c.networks) {
    const Network* network = network_of(engine, n);
    if (network == nullptr || !is_macvlan_like(*network)) {
      return nullptr;
    }
    found = network;
  }
  return found;
}

const Container* network_owner(const Engine& engine, const Container& c) {
  constexpr std::string_view k_prefix = "container:";
  if (!c.network_mode.starts_with(k_prefix)) {
    return nullptr;
  }
  return find_container(engine, std::string_view(c.network_mode).substr(k_prefix.size()));
}

}  // namespace whyno
