#pragma once
// Shared pieces of the host and container paths (private to core/).

#include <string>

#include "whyno/core/app_check.hpp"
#include "whyno/core/diagnosis.hpp"
#include "whyno/core/facts.hpp"
#include "whyno/core/query.hpp"

namespace whyno::detail {

Diagnosis diagnose_host(const Query& query, const Facts& facts, const IpAddress& destination);
Diagnosis diagnose_from_container(const Query& query, const Facts& facts);

/// Fills the verdict for "nothing publishes this host port": names the
/// container the user most likely meant and how to publish it.
void explain_unpublished(const Query& query, const Facts& facts, Diagnosis& d);

/// The namespace a container's processes use: its own, the one it joined
/// (container:<id>), or the host's (--network host). nullptr if unread.
const NetnsFacts* netns_of(const Facts& facts, const Container& c);

/// "container `web`".
std::string container_phrase(const Container& c);

/// Records the container and its listening sockets as evidence.
void show_container(Diagnosis& d, const Facts& facts, const Container& c);

/// The interface in `ns` holding `address`, as a hop ("web eth0").
Hop interface_hop(const NetnsFacts* ns, const Container& c, const IpAddress& address);

/// How traffic reaches an app, for judging the last hop.
struct AppContext {
  const Container* container = nullptr;
  Protocol protocol = Protocol::tcp;
  IpAddress address;  // where traffic arrives in the container
  std::uint16_t port = 0;
  /// Finishes "the app listens on 127.0.0.1:3000 only; <how_reached>", e.g.
  /// "port mapping forwards traffic to the container's eth0 (172.17.0.2)".
  std::string how_reached;
  /// The sentence start when nothing listens, e.g. "Nothing in container
  /// `server` listens on 4000/tcp"; the app's real port is appended.
  std::string closed_lead;
  /// The fix when the app listens on another port; {} is that port.
  std::string other_port_fix;
};

/// Sets the verdict, the final hop and (except for reachable) the summary
/// and fix from an app check.
void judge_app(Diagnosis& d, const AppCheck& check, const AppContext& context);

std::string protocol_port(Protocol p, std::uint16_t port);  // "3000/tcp"

}  // namespace whyno::detail
