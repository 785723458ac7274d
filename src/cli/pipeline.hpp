#pragma once
// The one way every question is answered, a single PORT, --all or --replay
// alike: read the facts (this host, or a saved snapshot), try the
// connections (on this host only), save them when asked, diagnose and
// render. Every option reaches every mode it means something in.

#include "options.hpp"

namespace whyno::cli {

/// Answers `options`' question; returns the exit status.
int answer(const Options& options);

}  // namespace whyno::cli
