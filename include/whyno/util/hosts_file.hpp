#pragma once
// /etc/hosts, as a container's resolver reads it: the probe resolves with it
// inside the client, and gather looks the query's name up in the client's
// file (Docker's --add-host, host-gateway, podman's host.containers.internal).

#include <string_view>
#include <vector>

#include "whyno/util/ip_address.hpp"

namespace whyno {

/// The addresses a hosts file (/etc/hosts syntax: "ADDRESS NAME [ALIAS...]",
/// '#' comments) gives `name`, in file order, without repeats. Names compare
/// case-insensitively and a trailing dot is ignored; lines whose address does
/// not parse (a zone suffix, garbage) are skipped.
std::vector<IpAddress> lookup_hosts(std::string_view hosts_text, std::string_view name);

/// DNS names compare case-insensitively (RFC 4343, ASCII only); a trailing
/// dot is ignored.
bool same_dns_name(std::string_view a, std::string_view b);

}  // namespace whyno
