#pragma once
// What the host path knows before it walks: the question, the facts, and
// the engine's bindings of the port (private to core/).

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "host_path.hpp"
#include "walk.hpp"
#include "publication.hpp"

namespace whyno::detail {

struct HostContext {
  HostContext(const Query& query, const Facts& facts, const IpAddress& destination_address,
              const std::optional<RemoteClient>& remote_client);

  const Query& q;
  const Facts& f;
  IpAddress destination;
  const std::optional<RemoteClient>& remote;
  std::vector<Publication> pubs;     // every binding of the host port
  std::string dialled;               // "localhost:8080 (127.0.0.1)"
  const Container* meant = nullptr;  // --container

  template <typename Predicate>
  const Publication* publication_where(Predicate predicate) const {
    const auto it = std::find_if(pubs.begin(), pubs.end(), predicate);
    return it == pubs.end() ? nullptr : &*it;
  }

  /// The container the user most likely means for this port.
  const Container* meant_container() const;

  /// The container port `c`'s app serves on, as text for a -p example.
  std::string app_port_text(const Container& c) const;
};

/// The engine publishes `p`, but neither a DNAT rule nor docker-proxy
/// carries it: Docker's rules went missing (flushed by firewalld, say).
/// `input_drops`: a host socket holds the port, but INPUT drops the packet.
void explain_missing_rules(const HostContext& h, Walk& w, const Publication& p, bool input_drops);

/// Nothing carries the packet on to a container: says why, most specific
/// cause first. `listener` is the host socket that takes the packet, if any.
void explain_no_forward(const HostContext& h, Walk& w, const Listener* listener);

}  // namespace whyno::detail
