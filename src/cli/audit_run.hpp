#pragma once
// --all (and no PORT): every port of every container, read once, probed in
// parallel within one time budget, diagnosed one by one.

#include "options.hpp"

namespace whyno::cli {

/// Runs --all for `options`; returns the exit status.
int run_audit(const Options& options);

}  // namespace whyno::cli
