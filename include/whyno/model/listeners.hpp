#pragma once
// Which sockets take which traffic.

#include <string>
#include <vector>

#include "whyno/model/netns_facts.hpp"

namespace whyno {

enum class BindScope { loopback, wildcard, specific };

BindScope bind_scope(const Listener& l);
std::string_view to_string(BindScope s);

/// Would the kernel deliver a packet for destination:port to this socket?
/// A [::] socket without V6ONLY takes IPv4 too; a ::ffff:a.b.c.d bind takes
/// a.b.c.d. Ignores SO_BINDTODEVICE (the caller knows interfaces).
bool accepts(const Listener& l, Protocol protocol, const IpAddress& destination, std::uint16_t port);

/// Applies `scope` to the listeners a read found: drops those on other
/// ports (the kernel filtered them already; a recorded reader's are not),
/// keeps the likeliest `scope.keep` of a read of every port, in the order
/// they came, and says what was left out (NetnsFacts::listeners_only_on,
/// listeners_left_out).
void apply_listener_scope(NetnsFacts& ns, const ListenerScope& scope);

/// The listeners on `port`/`protocol`, any address.
std::vector<const Listener*> on_port(const std::vector<Listener>& listeners, Protocol protocol,
                                     std::uint16_t port);

/// The program `p` runs: its executable's file name, or its comm when the
/// executable is not known.
std::string_view program_of(const ProcessRef& p);

/// Whether `p` runs the system's program `name`: a root-owned executable
/// of that name (ProcessRef::system_binary). A user's copy of python3
/// named rootlessport is an ordinary process.
bool runs_system_program(const ProcessRef& p, std::string_view name);

/// podman's rootlessport and rootless Docker's rootlesskit: the processes
/// a rootless engine holds its published host ports with. Their owner is
/// the rootless engine's user: they speak for that user's containers only.
bool is_rootlessport(const ProcessRef& p);
bool is_rootlesskit(const ProcessRef& p);

/// docker-proxy, dockerd, and Podman's conmon, and the rootless forwarders:
/// processes that hold ports for containers rather than serve them.
bool is_engine_process(const ProcessRef& p);

/// Whether `p` runs as `uid`, or its uid is not known (an old snapshot).
bool runs_as(const ProcessRef& p, unsigned uid);

/// Docker's embedded DNS server, which listens inside every container on a
/// user network on 127.0.0.11 and a random port (dockerd holds it, from
/// outside the container): never the app's.
bool is_embedded_dns(const Listener& l);

/// Sockets the engine holds inside a container (Docker's embedded DNS on
/// 127.0.0.11, owned by dockerd): not the user's app.
bool is_engine_socket(const Listener& l);

/// "server (pid 1234)" or "server (pids 12, 13)" or "unknown process"; a
/// process of a user, or a copy of a user's named like the system's
/// program, with its uid and executable: "rootlessport (pid 77, uid 1001,
/// /home/eve/rootlessport)".
std::string describe_owners(const Listener& l);

/// "127.0.0.1:3000", "[::]:3000", "*:3000" for a dual-stack wildcard.
std::string describe_bind(const Listener& l);

}  // namespace whyno
