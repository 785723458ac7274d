#pragma once
// Questions about the engine's containers and networks.

#include <string>
#include <string_view>
#include <vector>

#include "whyno/model/engine_facts.hpp"

namespace whyno {

/// By exact name, full id, or unique id prefix (as `docker` accepts).
/// Returns nullptr when nothing or more than one container matches.
const Container* find_container(const Engine& engine, std::string_view name_or_id);

/// What a name the user typed (--from, --container) names: the container of
/// that name or full id, else the containers of a Compose service of that
/// name ("db", or "project/db" to pick the project), else the one container
/// whose id starts so. Several (replicas, projects) are `candidates`, and
/// `found` stays null.
struct NameLookup {
  const Container* found = nullptr;
  std::vector<const Container*> candidates;
};
NameLookup look_up_container(const Engine& engine, std::string_view name);

/// Container names and Compose services near `name`, for "did you mean".
std::vector<std::string> names_like(const Engine& engine, std::string_view name);

/// The container and network holding `address`, or {nullptr, nullptr}.
struct Attachment {
  const Container* container = nullptr;
  const ContainerNetwork* network = nullptr;
};
Attachment container_with_address(const Engine& engine, const IpAddress& address);

const Network* find_network(const Engine& engine, std::string_view name_or_id);

/// The networks of `c` in attachment order, e.g. {"day8-net"}.
std::vector<std::string> network_names(const Container& c);

/// The engine that reported `c`, or nullptr (a snapshot of format 1 names
/// its one engine through Engine::product alone).
const EngineIdentity* engine_of(const Engine& engine, const Container& c);
/// Whether `c` is a podman container (its DNS is aardvark's, on the gateway).
bool is_podman(const Engine& engine, const Container& c);

/// Networks both containers are attached to (none across two engines).
std::vector<const ContainerNetwork*> shared_networks(const Container& a, const Container& b);

bool is_user_defined(const Engine& engine, const ContainerNetwork& n);

/// True for network modes that have no namespace of their own:
/// host, none and container:<id>.
bool shares_host_network(const Container& c);
bool has_no_network(const Container& c);
/// The internal network a container is on, when every network it is on is
/// --internal (Docker publishes no port then); nullptr otherwise.
const Network* only_internal_network(const Engine& engine, const Container& c);
/// The engine's network a container is attached to (by id, else name).
const Network* network_of(const Engine& engine, const ContainerNetwork& n);
/// macvlan and ipvlan: the container's interface sits on a parent link of
/// the host, beside the host's own IP stack, not behind it.
bool is_macvlan_like(const Network& n);
/// The macvlan/ipvlan network a container is on when every network it is on
/// is one (Docker publishes no port then); nullptr otherwise.
const Network* only_macvlan_network(const Engine& engine, const Container& c);
/// "container:<id>" -> the container whose namespace this one joins.
const Container* network_owner(const Engine& engine, const Container& c);

}  // namespace whyno
