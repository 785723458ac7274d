#pragma once
// The pure core: facts in, verdict out. No I/O, clock or environment here,
// so every verdict can be reproduced from a saved facts snapshot.

#include "whyno/model/diagnosis.hpp"
#include "whyno/model/facts.hpp"
#include "whyno/model/query.hpp"

namespace whyno {

/// `probe` is what the client's connection saw, when whyno-port tried it:
/// read beside the facts, compared with the verdict, and a working path the
/// probe could not get through is inconclusive.
Diagnosis diagnose(const Query& query, const Facts& facts,
                   const std::optional<ProbeResult>& probe = std::nullopt);

}  // namespace whyno
