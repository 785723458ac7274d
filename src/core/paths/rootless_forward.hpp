#pragma once
// Rootless engines publish a port through a process of their own, not with
// DNAT or docker-proxy on the host (rootless_forward.cpp):
// - podman's rootlessport holds the host port and dials the container's own
//   address from inside the container's namespace (10.0.2.100 with
//   slirp4netns). Since podman 3.0 (CVE-2021-20199) it no longer dials
//   127.0.0.1, so an app bound to loopback gets nothing.
// - rootless Docker's rootlesskit holds the host port and dials
//   127.0.0.1:PORT (::1 for IPv6) in its own namespace, where dockerd, its
//   docker-proxy and its rules live: the rest of the path is a rootful
//   Docker host inside that namespace (Facts::forwarder_namespaces).

#include <cstdint>
#include <optional>
#include <string>

#include "whyno/model/diagnosis.hpp"
#include "whyno/model/facts.hpp"

namespace whyno::detail {

/// Where podman's rootlessport, holding a host port for `c`, dials: the
/// container's first IPv4 address on a network of its engine (a rootless
/// bridge network), else the slirp4netns address of its namespace (tap0's).
std::optional<IpAddress> rootlessport_child_address(const Facts& facts, const Container& c);

/// The namespace rootlesskit `holder` (the process holding the host port)
/// dials into, if whyno-port read it.
const ForwarderNamespace* rootlesskit_namespace(const Facts& facts, const Listener& holder);

/// The facts as they are seen from inside a rootlesskit namespace: its
/// interfaces, routes, listeners, rules and sysctls stand for the host's,
/// and only the containers of the rootless engine that runs there remain.
Facts facts_inside(const Facts& facts, const ForwarderNamespace& ns);

/// Adds the diagnosis made inside `ns` to `outer`, behind its hops: its
/// hops (the namespace's own "host" and hooks named as that namespace's),
/// evidence not said yet, rules, trace, disagreements, what could not be
/// read there, and the container the path ends in. Its verdict is the
/// caller's to weigh.
void absorb_inside(Diagnosis& outer, const Diagnosis& inside, const ForwarderNamespace& ns);

struct HostContext;
class Walk;

/// Rootless Docker: rootlesskit (`holder`) holds the host port and dials
/// 127.0.0.1:PORT (::1 for IPv6) in its child's namespace, where the rest of
/// the path is a Docker host of its own. Walks the two hops, then the
/// diagnosis made inside, taken into `d`; finishes the walk.
void walk_through_rootlesskit(const HostContext& h, Walk& w, Diagnosis& d, const Listener& holder,
                              const ForwarderNamespace& inside);

}  // namespace whyno::detail
