#pragma once
// A container's state in words, for diagnoses and for error messages.

#include <string>

#include "whyno/model/engine_facts.hpp"

namespace whyno {

/// "container `web`": how sentences name a container.
std::string container_phrase(const Container& c);

/// "container", or "namespace" for one named with --pid/--netns.
std::string_view unit_word(const Container& c);

/// How to read why its app fails: `docker logs NAME`, or, with no engine,
/// the app's own logs.
std::string logs_hint(const Container& c);

/// "is paused", "exited with code 1", "was created but never started: ...",
/// "keeps restarting (restarted 3 times; last exit code 1)".
std::string state_phrase(const Container& c);

}  // namespace whyno
