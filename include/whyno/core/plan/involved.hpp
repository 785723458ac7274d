#pragma once
// Which containers a query can involve, so only their network namespaces
// are read: on a host with hundreds of containers, a question about one
// port needs one or two of them.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "whyno/model/engine_facts.hpp"
#include "whyno/model/netns_facts.hpp"
#include "whyno/model/ruleset.hpp"
#include "whyno/model/query.hpp"

namespace whyno {

/// The ids of the containers whose namespaces `query` can need: those that
/// publish its port (or were asked to), the --container, the --from client
/// and the container its target names or addresses, the containers a DNAT
/// rule for the port leads to, and the owners of namespaces these share.
/// nullopt means every container: --all (port 0), a client dialling its own
/// localhost (another container may serve the port), or nothing found, when
/// the diagnosis ranks every container as "the one you likely meant".
std::optional<std::set<std::string>> containers_involved(const Query& query, const Engine& engine,
                                                         const nf::Ruleset& rules);

/// Which containers of one engine's list to inspect for `query`, given the
/// list (`listed`: containers as the list shows them, Container::inspected
/// false, and the engine's networks): those containers_involved names, and
/// every one whose list entry does not settle that it is off the path: a
/// container that is not running (its intended bindings are not listed: a
/// start that failed on the port), one on the host's network, on none, in
/// another's namespace, or on a network that is not a plain NAT bridge
/// (internal, routed, macvlan: -p there is not what the list shows). nullopt
/// means every container: --all, a --from container (names resolve through
/// every container's aliases and hosts file), a podman engine (its list is
/// built from its own records), or whenever containers_involved says all.
std::optional<std::set<std::string>> containers_to_inspect(const Query& query, const Engine& listed,
                                                           const nf::Ruleset& rules);

/// Whether `query` may start from a narrowed list (engine::ListFilter: the
/// containers that publish its port, those not running, those on the host's
/// network or none): one port, asked from this host of this host, no
/// container named. Others read every container.
bool may_narrow_list(const Query& query);

/// Whether a narrowed list (Engine::narrowed) says all the question needs:
/// a container publishes the port (else the diagnosis ranks every
/// container as the one meant), every network is one whose published
/// ports the list shows (a plain NAT bridge, host, none: as
/// containers_to_inspect asks), and every DNAT or REDIRECT rule for the
/// port leads to this host or to a listed container (a user's rule may
/// lead to any container). When not, the whole list is read. Without
/// `host` (not read yet), only loopback counts as this host: a false
/// answer is then worth asking again with it.
bool narrowed_list_suffices(const Query& query, const Engine& narrowed, const nf::Ruleset& rules,
                            const NetnsFacts* host);

/// The ports whose listening sockets `query` needs in the namespaces it
/// reads (ListenerScope::only): its own port, the container ports its
/// publishers map it to, and the ports DNAT and REDIRECT rules for it lead
/// to. nullopt means every port: --all, a --from container (a name may
/// lead anywhere), a rule leading to a wide port range. With `host`, the
/// ports of the host's own namespace: a container's port is not the host's
/// (unless the container shares the host's network), and a DNAT leads there
/// only to an address of the host's.
std::optional<std::vector<std::uint16_t>> listener_ports(const Query& query, const Engine& engine,
                                                         const nf::Ruleset& rules,
                                                         const NetnsFacts* host = nullptr);

/// Where the packet is sent that no container of the engines holds and the
/// host does not have itself: the targets of DNAT rules that can match the
/// query's port, and the query's own address. Their namespaces are looked
/// for on the host (ip netns, containerd, Kubernetes, LXC): the packet
/// finds them, whichever engine (if any) made them. For --all (port 0), every DNAT's target.
std::vector<IpAddress> addresses_no_container_holds(const Query& query, const Engine& engine,
                                                    const nf::Ruleset& rules, const NetnsFacts& host);

}  // namespace whyno
