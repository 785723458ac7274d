#pragma once
// A container that cannot answer because of its state (container_state.cpp).

#include <cstdint>
#include <optional>
#include <string>

#include "whyno/model/container_words.hpp"
#include "whyno/model/diagnosis.hpp"
#include "whyno/model/engine_facts.hpp"

namespace whyno::detail {

/// A container that is not running, paused or restarting: the problem, or
/// nullopt when it runs. `role` is "the target" / "the client" etc.
std::optional<Problem> not_running_problem(const Container& c, const std::string& what_fails);

/// A container that runs but restarted moments ago after crashing: Docker
/// may not have published its ports again yet, and it will likely crash
/// again. nullopt when it has been up for a while or never restarted.
std::optional<Problem> crash_loop_problem(const Container& c, std::int64_t collected_at,
                                          const std::string& what_fails);

}  // namespace whyno::detail
