#pragma once
// The diagnosis over the addresses a client on this host dials
// (core/plan/client_addresses.hpp): what `curl HOST:PORT` does with a name
// that has several addresses (happy eyeballs), or with localhost.

#include <vector>

#include "whyno/model/diagnosis.hpp"
#include "whyno/model/facts.hpp"
#include "whyno/model/query.hpp"

namespace whyno::detail {

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
