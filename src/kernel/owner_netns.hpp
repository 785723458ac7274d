#pragma once
// Reading a network namespace as the owner of the user namespace it belongs
// to, without privileges on the host: a rootless container's, or rootless
// Docker's (owner_netns.cpp).

#include <cstddef>
#include <span>
#include <vector>

#include "raw_netns.hpp"
#include "whyno/sys/fd.hpp"

namespace whyno::kernel {

/// Joins the user namespace that owns `netns` (NS_GET_USERNS), then `netns`,
/// and reads it. setns(CLONE_NEWUSER) is refused to a multithreaded process,
/// so a child forked for this alone joins and dumps, and writes the dumps to
/// a pipe; they are parsed here. Fails when the user namespace cannot be
/// joined (it is not ours) or the child does not answer within `timeout_ms`.
Result<NetnsFacts> read_netns_as_owner(const sys::Fd& netns, const ListenerScope& scope,
                                       int timeout_ms = 5000);

/// The dumps as the child writes them, and back (exposed for the unit tests).
std::vector<std::byte> encode_raw_netns(const RawNetns& raw);
Result<RawNetns> decode_raw_netns(std::span<const std::byte> bytes);

}  // namespace whyno::kernel
