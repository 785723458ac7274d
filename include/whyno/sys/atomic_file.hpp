#pragma once
// Writing a file root was asked to write, where others may have been first:
// --save-facts FILE and --metrics FILE. /tmp is everybody's, so a symlink
// planted at the path must not make root overwrite what it points at, and
// a reader must never see half a file.

#include <string>
#include <string_view>

#include <sys/types.h>

#include "whyno/util/result.hpp"

namespace whyno::sys {

/// Writes `text` to `path` with `mode`: into a new file of a random name in
/// the same directory (O_CREAT|O_EXCL, so nothing planted is opened), then
/// renamed over `path` at once. A symbolic link, a non-regular file, or a
/// file of another uid at `path` is refused in one sentence; nothing is
/// followed and nothing of someone else's is replaced.
Result<void> write_file_atomically(const std::string& path, std::string_view text, mode_t mode);

}  // namespace whyno::sys
