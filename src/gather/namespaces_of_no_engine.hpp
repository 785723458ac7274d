#pragma once
// Namespaces no engine reported: the one a packet is sent to (found among
// every namespace of the host), and the one --pid/--netns names. Each
// stands for a container of no engine, built from what the kernel shows.

#include <cstdint>
#include <expected>
#include <map>
#include <optional>
#include <string>

#include "whyno/gather/gather.hpp"
#include "whyno/model/facts.hpp"
#include "whyno/model/query.hpp"

namespace whyno::gather {

/// Where the packet goes and no engine's container is: the namespace that
/// holds the address, found among every namespace of the host (ip netns,
/// containerd, Kubernetes, LXC), joins the facts as a container of no
/// engine. Read for `scope`'s sockets.
void find_namespaces_by_packet(const Query& query, const Sources& sources, Facts& facts,
                               const ListenerScope& scope);

/// The address a namespace's packets leave with: its first IPv4 address
/// not on loopback, else its first IPv6 one neither loopback nor
/// link-local; nullopt when it has none.
std::optional<IpAddress> namespace_address(const NetnsFacts& ns);

/// --from ADDRESS of another machine: the namespace of this host (root's,
/// not the host's own) that holds the address, if one does, for the probe
/// to send from.
std::optional<ClientNamespace> find_client_namespace(const Query& query, const Sources& sources,
                                                     std::uint64_t host_inode);

/// --pid/--netns: the namespace stands for a container of no engine, built
/// from what the kernel shows of it, so the paths can be walked to it.
std::expected<Engine, ReadFailure> engine_of_namespace(const NamespaceChoice& choice, const Sources& sources,
                                                       std::uint64_t host_inode, const ListenerScope& scope,
                                                       std::map<std::string, NetnsFacts>& namespaces);

}  // namespace whyno::gather
