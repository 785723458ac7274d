#pragma once
// Reads one network namespace (interfaces, routes, listening sockets), the
// processes behind its sockets, and the host's forwarding sysctls.

#include <span>
#include <string>

#include "whyno/kernel/socket_owners.hpp"
#include "whyno/model/facts.hpp"
#include "whyno/model/netns_facts.hpp"

namespace whyno::kernel {

/// Interfaces (with addresses), routes (main and local tables) and listening
/// sockets of the CALLING THREAD's network namespace; NetnsFacts::inode from
/// /proc/thread-self/ns/net. Never fails as a whole: what could not be read
/// becomes an Unread entry in NetnsFacts::unread (e.g. {"listening sockets",
/// "permission denied"}). The listeners are those `scope` asks for.
NetnsFacts read_netns(const ListenerScope& scope);

/// Only the listening sockets of the calling thread's namespace (the
/// sock_diag dumps of read_netns); what could not be read is left out.
std::vector<Listener> read_listeners_here(const ListenerScope& scope);

/// Fills Listener::owners for every listener in every given namespace with ONE
/// scan of /proc/[pid]/fd (readlink -> "socket:[inode]"). Socket inodes are
/// global, so the host's /proc sees every container's processes. A socket
/// held by several processes lists them all, sorted by pid. Processes that
/// vanish mid-scan are skipped silently.
void attach_socket_owners(std::span<NetnsFacts* const> namespaces);
/// Fills Listener::owners for the sockets `search` asks for, found by
/// find_socket_owners("/proc", search): the processes likely to hold them
/// first, every fd on the host only for what is still unheld.
void attach_socket_owners(std::span<NetnsFacts* const> namespaces, const OwnerSearch& search);

/// Sysctls of the calling thread's namespace (call from the main thread =
/// host): net.ipv4.ip_forward, net.ipv6.conf.all.forwarding,
/// net.ipv4.conf.<if>.forwarding and .route_localnet for each interface
/// given, net.bridge.bridge-nf-call-iptables/-ip6tables (nullopt unless
/// br_netfilter is loaded), net.core.somaxconn and
/// net.ipv4.ip_unprivileged_port_start. Read through /proc/sys, which
/// resolves to the opener's netns.
Sysctls read_sysctls(std::span<const std::string> interface_names);

}  // namespace whyno::kernel
