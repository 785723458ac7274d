#pragma once
// A small file an engine or a user keeps (a docker config, podman's state),
// read whole only while it stays small.

#include <cstddef>
#include <optional>
#include <string>

namespace whyno::engine {

/// The bytes of `path`; nullopt when it cannot be opened or holds more than
/// `max_bytes` (not a file of an engine's: it is not held in memory).
std::optional<std::string> read_bounded_file(const std::string& path, std::size_t max_bytes);

}  // namespace whyno::engine
