#pragma once
// A container that cannot answer because of its state (container_state.cpp).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "whyno/model/container_words.hpp"
#include "whyno/model/diagnosis.hpp"
#include "whyno/model/engine_facts.hpp"

namespace whyno::detail {

/// A container that is not running, paused or restarting: the problem, or
/// nullopt when it runs. `role` is "the target" / "the client" etc.
std::optional<Problem> not_running_problem(const Container& c, const std::string& what_fails);

/// The app containers of pod `c` that are not running (their task exited;
/// the sandbox keeps the namespace): none for a namespace that is no pod.
std::vector<const PodContainer*> exited_pod_containers(const Container& c);

/// A pod whose app containers exited, so nothing in it listens: the
/// problem, naming them, with a fix in kubectl's words; nullopt when every
/// app container runs (or it is no pod).
std::optional<Problem> pod_container_exited_problem(const Container& c, const std::string& what_fails);

/// A container that runs but restarted moments ago after crashing: Docker
/// may not have published its ports again yet, and it will likely crash
/// again. nullopt when it has been up for a while or never restarted.
std::optional<Problem> crash_loop_problem(const Container& c, std::int64_t collected_at,
                                          const std::string& what_fails);

}  // namespace whyno::detail
