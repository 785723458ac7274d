#pragma once

namespace whyno::cli {

/// The whole program: parse options, collect facts, diagnose, render, and
/// map the verdict to an exit status. The only place that catches errors.
int run(int argc, char** argv);

}  // namespace whyno::cli
