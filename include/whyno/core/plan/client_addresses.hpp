#pragma once
// The addresses a client on this host dials for the query, in the order it
// dials them: what `curl HOST:PORT` does with a name that has several
// addresses (happy eyeballs), or with localhost. The diagnosis walks them
// (core/paths/addresses_diagnosis.hpp); the probe dials them.

#include <optional>
#include <vector>

#include "whyno/model/facts.hpp"
#include "whyno/model/query.hpp"

namespace whyno {

/// One address a client on the host dials for `query`: localhost ->
/// 127.0.0.1, a literal as connect(2) takes it, a name -> its first resolved
/// address. The client's whole list, in its order (::1 before 127.0.0.1 for
/// localhost), is client_addresses'.
std::optional<IpAddress> host_destination(const Query& query, const Facts& facts);

namespace detail {

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

}  // namespace detail

}  // namespace whyno
