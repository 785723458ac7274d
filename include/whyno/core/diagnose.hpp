#pragma once
// The pure core: facts in, verdict out. No I/O, clock or environment here,
// so every verdict can be reproduced from a saved facts snapshot.

#include "whyno/core/diagnosis.hpp"
#include "whyno/core/facts.hpp"
#include "whyno/core/query.hpp"

namespace whyno {

Diagnosis diagnose(const Query& query, const Facts& facts);

/// One address a client on the host dials for `query`: localhost ->
/// 127.0.0.1, a literal as connect(2) takes it, a name -> its first resolved
/// address. The client's whole list, in its order (::1 before 127.0.0.1 for
/// localhost), is core/client_addresses.hpp's.
std::optional<IpAddress> host_destination(const Query& query, const Facts& facts);

}  // namespace whyno
