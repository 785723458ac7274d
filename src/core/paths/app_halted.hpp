#pragma once
// An app that holds its socket but cannot accept: the kernel completes the
// handshake for it, so the client connects and then waits for nothing.

#include <optional>
#include <string>

#include "whyno/model/diagnosis.hpp"
#include "whyno/model/netns_facts.hpp"

namespace whyno::detail {

/// The problem when every process holding `l` is halted (stopped, traced,
/// frozen, a zombie); nullopt when one of them can run. `where` names the
/// app's place: "in container `web`", "on the host".
std::optional<Problem> halted_app(const Listener& l, const std::string& where);

/// The problem when the probe's connection still waits in `l`'s accept
/// queue after it ended (`waiting` connections in all): the app is alive
/// but does not call accept(). `where` as for halted_app.
Problem hung_app(const Listener& l, std::uint32_t waiting, const std::string& where);

}  // namespace whyno::detail
