#pragma once
// The addresses a client on this host dials for the query, in the order it
// dials them, and the diagnosis over them: what `curl HOST:PORT` does with a
// name that has several addresses (happy eyeballs), or with localhost.

#include <vector>

#include "whyno/core/diagnosis.hpp"
#include "whyno/core/facts.hpp"
#include "whyno/core/query.hpp"

namespace whyno::detail {

/// In the client's order:
/// - localhost: ::1 when the host has it (on lo), then 127.0.0.1. curl since
///   7.78 resolves localhost itself, never asking /etc/hosts, IPv6 first;
///   browsers do the same;
/// - a name: the host resolver's (getaddrinfo's) addresses, the family of the
///   first one first, then the other family, each in the resolver's order:
///   curl's happy eyeballs tries the first family and starts the other 200 ms
///   later, so when an address fails at once the next of its family follows;
/// - an IP literal: the address connect(2) reaches (Target::local_address);
/// - --pid/--netns without ADDRESS: the namespace's own first address.
/// Empty when a name did not resolve.
std::vector<IpAddress> client_addresses(const Query& query, const Facts& facts);

/// Would the client's connect() fail on this path, so that it tries its next
/// address? Yes when the path fails and no socket on this host accepted the
/// connection (nothing published there, a drop, a reset from the container
/// through DNAT); no when it works, when docker-proxy, another process or
/// another container's app accepted it (Diagnosis::connection_accepted: the
/// client then sees the failure and stops), or when the path could not be
/// read.
bool connect_fails(const Diagnosis& diagnosis);

/// Diagnoses each address in order, as the client tries them, until one
/// whose connect() succeeds: its diagnosis is the verdict (reachable after a
/// fallback, with the failed addresses said). When every address fails at
/// connect(), the first address with something on its path to fix decides
/// (an address where nothing is published at all only when every address is
/// so); the others are listed under "also", except the same verdict again
/// and addresses where nothing is published when another address decides
/// (evidence only).
/// Diagnosis::addresses holds each address tried, with its summary.
Diagnosis diagnose_addresses(const Query& query, const Facts& facts, const std::vector<IpAddress>& addresses);

}  // namespace whyno::detail
