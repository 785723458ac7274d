#pragma once
// Reading a namespace for a question about one port: the kernel returns the
// sockets on the ports the packet can reach (ListenerScope::only); every
// port is read only when nothing there takes the traffic, for the diagnosis
// to say what does listen, and then a bounded number is kept.

#include <cstdint>
#include <optional>
#include <vector>

#include "whyno/kernel/namespace_reader.hpp"
#include "whyno/model/netns_facts.hpp"
#include "whyno/model/query.hpp"

namespace whyno::gather {

/// How many listeners a read of every port keeps: enough to say where an
/// app listens instead, not a busy namespace's thousands.
constexpr std::size_t k_listeners_kept = 64;

/// What a namespace read asks for: only `ports` (nullopt: every port, none
/// left out, as --all reads).
ListenerScope scope_for(const std::optional<std::vector<std::uint16_t>>& ports, Protocol protocol,
                        bool connections);

/// A read for a namespace's interfaces, when no socket is asked: the
/// query's one port, filtered by the kernel, costs next to nothing.
ListenerScope interfaces_only(const Query& query);

/// Whether a read of `scope` must be widened to every port: it was filtered
/// and nothing on its ports takes traffic of its protocol from outside the
/// namespace (a socket not bound to loopback).
bool needs_every_port(const NetnsFacts& read, const ListenerScope& scope);

/// The read of every port that follows a filtered read of `scope`.
ListenerScope widened(const ListenerScope& scope);

/// Reads an opened namespace for `scope`, widened when needs_every_port.
Result<NetnsFacts> read_namespace(kernel::NamespaceReader& reader, const kernel::NamespaceHandle& handle,
                                  const ListenerScope& scope);

/// Whether a namespace read as `read` lacks listeners `scope` asks for:
/// it was read for other ports only.
bool misses_ports(const NetnsFacts& read, const ListenerScope& scope);

}  // namespace whyno::gather
