#pragma once
// A container's state in words, for diagnoses and for error messages.

#include <string>

#include "whyno/core/engine_facts.hpp"

namespace whyno {

/// "container `web`": how sentences name a container.
std::string container_phrase(const Container& c);

/// "is paused", "exited with code 1", "was created but never started: ...",
/// "keeps restarting (restarted 3 times; last exit code 1)".
std::string state_phrase(const Container& c);

}  // namespace whyno
