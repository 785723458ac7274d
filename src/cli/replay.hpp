#pragma once
// --replay: reading a saved snapshot, and the question asked of it.

#include <string>

#include "options.hpp"
#include "whyno/snapshot/snapshot.hpp"
#include "whyno/util/result.hpp"

namespace whyno::cli {

/// The snapshot in `path`. Only a regular file is read (a FIFO, a device or
/// a directory is refused before any read, so none can block or run away),
/// and at most snapshot::k_max_snapshot_bytes of it.
Result<snapshot::Snapshot> load_snapshot_file(const std::string& path);

/// Turns a loaded snapshot into the one to diagnose for `options`: with a
/// TARGET the command line's question, else the snapshot's own. --container
/// and --from must name containers of the snapshot, as they must live; a
/// --container or --from that contradicts the snapshot's question without
/// a TARGET is an error. Facts that only answer the saved question (the
/// probe, the address a name resolved to) are dropped when it changes.
Result<snapshot::Snapshot> replay(snapshot::Snapshot saved, const Options& options);

}  // namespace whyno::cli
