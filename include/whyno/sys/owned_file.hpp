#pragma once
// Reading a small file that someone else may control, as root, without
// letting them hang us, point us elsewhere or feed us more than we asked.
//
// whyno-port runs as root and follows rootless engines into their users'
// homes (podman's storage, docker contexts) and into paths an engine names
// (a container's HostsPath). A user controls those trees: they can plant a
// FIFO (open(2) blocks), a symlink to /etc/shadow or /dev/zero, or a file of
// gigabytes. So a path is opened one component at a time from "/", as
// systemd's chase() does: openat(2) with O_NOFOLLOW, each directory's owner
// checked, symlinks followed only where root owns them (/var/run -> /run),
// the file itself opened O_NONBLOCK, then fstat(2)ed: a regular file, owned
// by whom the tree belongs to, under a size cap. Only then is it read.

#include <cstddef>
#include <string>
#include <vector>

#include "whyno/sys/fd.hpp"
#include "whyno/util/result.hpp"

namespace whyno::sys {

/// Whose files a path leads to: root's (0), or one user's. Directories on
/// the way may belong to root until the path enters one of the user's; from
/// there on, and for the file itself, everything must be the user's (a
/// root-owned file inside a user's tree is a hard link or a mount the user
/// arranged, not the user's data).
struct FileOwner {
  unsigned uid = 0;
};

/// The bytes of the regular file at absolute `path`, read as described
/// above; one sentence naming the path and the reason otherwise (a FIFO, a
/// symlink the owner planted, a file of another uid, larger than
/// `max_bytes`, "..", a missing component). Never blocks on a FIFO or a
/// device.
Result<std::string> read_owned_file(const std::string& path, FileOwner owner, std::size_t max_bytes);

/// The names in the directory at `path` (no "." or ".."), opened the same
/// way; at most `max_entries` of them, else an error.
Result<std::vector<std::string>> list_owned_directory(const std::string& path, FileOwner owner,
                                                      std::size_t max_entries);

/// The directory or file at `path`, opened O_PATH the same way, for
/// fstat(2) and *at() calls: a handle that cannot be swapped underneath.
Result<Fd> open_owned_path(const std::string& path, FileOwner owner);

}  // namespace whyno::sys
