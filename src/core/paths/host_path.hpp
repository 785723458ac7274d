#pragma once
// The path of a client on this host or on another machine (host_path.cpp).

#include <optional>
#include <string>

#include "whyno/model/diagnosis.hpp"
#include "whyno/model/facts.hpp"
#include "whyno/model/query.hpp"

namespace whyno::detail {

/// A client on another machine: where its packets come from and arrive.
struct RemoteClient {
  IpAddress address;
  std::optional<std::string> interface;  // the host interface they arrive on
  std::string label;                     // the first hop, e.g. "client 198.51.100.2"
  const Container* container = nullptr;  // the client is this container (on its bridge)
};

Diagnosis diagnose_host(const Query& query, const Facts& facts, const IpAddress& destination,
                        const std::optional<RemoteClient>& remote);

}  // namespace whyno::detail
