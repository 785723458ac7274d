#pragma once
// The pure core: facts in, verdict out. No I/O, clock or environment here,
// so every verdict can be reproduced from a saved facts snapshot.

#include "whyno/model/diagnosis.hpp"
#include "whyno/model/facts.hpp"
#include "whyno/model/query.hpp"

namespace whyno {

Diagnosis diagnose(const Query& query, const Facts& facts);

}  // namespace whyno
