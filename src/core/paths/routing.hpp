#pragma once
// Route lookups over recorded routes: which interface a packet leaves by,
// and which interface a client's packets arrive on.

#include <optional>
#include <string>

#include "whyno/model/netns_facts.hpp"

namespace whyno {

/// Is `a` an address of this namespace (or loopback)?
bool is_local_address(const NetnsFacts& ns, const IpAddress& a);

/// The interface a packet to `destination` leaves by: "lo" for local
/// addresses, else the longest matching route in the main table (falling
/// back to the interfaces' own prefixes when routes were not read).
std::optional<std::string> route_interface(const NetnsFacts& ns, const IpAddress& destination);

/// The interface whose prefix holds `address` (a directly connected peer).
const Interface* interface_for_peer(const NetnsFacts& ns, const IpAddress& address);

/// What a reverse-path filter (rpfilter, `fib saddr . iif oif`) finds for a
/// packet from `source` arriving on `input`: valid when the route back to
/// the source leaves by that interface. Loopback and locally made packets
/// ("" or "lo") are always valid, as the kernel exempts them; nullopt when
/// the input interface is not known.
std::optional<bool> reverse_path_valid(const NetnsFacts& ns, const IpAddress& source,
                                       const std::optional<std::string>& input);

/// An address of this namespace on `interface_name`, of `family`.
std::optional<IpAddress> address_on(const NetnsFacts& ns, const std::string& interface_name, IpFamily family);

}  // namespace whyno
