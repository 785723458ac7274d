#pragma once
// A container as a path sees it: its namespace, sockets and interface (container_view.cpp).

#include <cstdint>
#include <string>
#include <vector>

#include "walk.hpp"
#include "whyno/model/container_words.hpp"
#include "whyno/model/diagnosis.hpp"
#include "whyno/model/facts.hpp"

namespace whyno::detail {

/// The namespace a container's processes use: its own, the one it joined
/// (container:<id>), or the host's (--network host). nullptr if unread.
const NetnsFacts* netns_of(const Facts& facts, const Container& c);

/// The container's own listening sockets: its namespace's, or with
/// --network host, the host's sockets held by the container's processes.
std::vector<Listener> container_listeners(const Facts& facts, const Container& c);

/// Records the container and its listening sockets as evidence.
void show_container(Diagnosis& d, const Facts& facts, const Container& c);

/// The app hop of a container whose namespace was not read, with the reason
/// the readers gave (e.g. it restarted while whyno-port read it).
void unknown_app_hop(Walk& walk, const Facts& facts, const Container& c);

/// The interface in `ns` holding `address`, as a hop ("web eth0").
Hop interface_hop(const NetnsFacts* ns, const Container& c, const IpAddress& address);

std::string protocol_port(Protocol p, std::uint16_t port);  // "3000/tcp"

}  // namespace whyno::detail
