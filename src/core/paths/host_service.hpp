#pragma once
// A client dials a service of the host itself: a container reaching
// Postgres on the host through its gateway or host.docker.internal, or
// another machine reaching the host's sshd. No container publishes the
// port, so the host's own socket is the app (private to core/).

#include "host_context.hpp"
#include "walk.hpp"

namespace whyno::detail {

/// Whether the question is about a service of the host: a client from
/// outside the host's namespace (a container, another machine) dials a host
/// address on a port no container publishes, with no --container.
bool asks_for_host_service(const HostContext& h);

/// The last hop, the host's app, when asks_for_host_service: reachable or
/// why not (loopback bind, another address, the other IP version or
/// protocol, a full accept queue). Returns false when nothing on the host
/// listens on the port at all, for explain_no_forward to say so.
bool judge_host_service(const HostContext& h, Walk& w);

/// When judge_host_service found nothing listening and no container is
/// meant either (nothing-published): the summary and fix say first that no
/// service of the host listens there, which is what the client looked for.
void say_no_host_service(const HostContext& h, Diagnosis& d);

}  // namespace whyno::detail
