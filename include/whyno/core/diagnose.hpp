#pragma once
// The pure core: facts in, verdict out. No I/O, clock or environment here,
// so every verdict can be reproduced from a saved facts snapshot.

#include "whyno/core/diagnosis.hpp"
#include "whyno/core/facts.hpp"
#include "whyno/core/query.hpp"

namespace whyno {

Diagnosis diagnose(const Query& query, const Facts& facts);

/// The address a client on the host dials for `query`: localhost ->
/// 127.0.0.1, a literal as is, a name -> its first resolved address.
std::optional<IpAddress> host_destination(const Query& query, const Facts& facts);

}  // namespace whyno
