#pragma once
// Shared pieces of the host and container paths (private to core/).

#include <functional>
#include <optional>
#include <string>

#include "walk.hpp"
#include "app_check.hpp"
#include "whyno/core/container_state.hpp"
#include "whyno/core/diagnosis.hpp"
#include "whyno/core/facts.hpp"
#include "whyno/core/query.hpp"

namespace whyno::detail {

/// A client on another machine: where its packets come from and arrive.
struct RemoteClient {
  IpAddress address;
  std::optional<std::string> interface;  // the host interface they arrive on
  std::string label;                     // the first hop, e.g. "client 198.51.100.2"
};

Diagnosis diagnose_host(const Query& query, const Facts& facts, const IpAddress& destination,
                        const std::optional<RemoteClient>& remote);
Diagnosis diagnose_from_container(const Query& query, const Facts& facts);

/// Explains "nothing publishes this host port" as a failed hop: names the
/// container the user most likely meant and how to publish it.
void explain_unpublished(const Query& query, const Facts& facts, Walk& walk);

/// The namespace a container's processes use: its own, the one it joined
/// (container:<id>), or the host's (--network host). nullptr if unread.
const NetnsFacts* netns_of(const Facts& facts, const Container& c);

/// The container's own listening sockets: its namespace's, or with
/// --network host, the host's sockets held by the container's processes.
std::vector<Listener> container_listeners(const Facts& facts, const Container& c);


/// Records the container and its listening sockets as evidence.
void show_container(Diagnosis& d, const Facts& facts, const Container& c);

/// The app hop of a container whose namespace was not read, with the reason
/// the readers gave (e.g. it restarted while whyno-port read it).
void unknown_app_hop(Walk& walk, const Facts& facts, const Container& c);

/// The interface in `ns` holding `address`, as a hop ("web eth0").
Hop interface_hop(const NetnsFacts* ns, const Container& c, const IpAddress& address);

/// A container that is not running, paused or restarting: the problem, or
/// nullopt when it runs. `role` is "the target" / "the client" etc.
std::optional<Problem> not_running_problem(const Container& c, const std::string& what_fails);

/// A container that runs but restarted moments ago after crashing: Docker
/// may not have published its ports again yet, and it will likely crash
/// again. nullopt when it has been up for a while or never restarted.
std::optional<Problem> crash_loop_problem(const Container& c, std::int64_t collected_at,
                                          const std::string& what_fails);


/// How traffic reaches an app, for judging the last hop.
struct AppContext {
  const Container* container = nullptr;
  const NetnsFacts* netns = nullptr;
  Protocol protocol = Protocol::tcp;
  IpAddress address;  // where traffic arrives in the container
  std::uint16_t port = 0;
  /// Finishes "the app listens on 127.0.0.1:3000 only; <how_reached>", e.g.
  /// "port mapping forwards traffic to the container's eth0 (172.17.0.2)".
  std::string how_reached;
  /// The sentence start when nothing listens, e.g. "Nothing in container
  /// `server` listens on 4000/tcp"; the app's real port is appended.
  std::string closed_lead;
  /// The fix when the app listens on another port, given that port.
  std::function<std::string(std::uint16_t app_port)> other_port_fix;
  /// The fix when the app listens with the other protocol on this port.
  std::string other_protocol_fix;
  std::optional<int> somaxconn;
  std::int64_t collected_at = 0;  // when the facts were read: a crash loop is recent restarts
};

/// Adds the final hop (and its problem, if any) from an app check.
void judge_app(Walk& walk, const AppCheck& check, const AppContext& context);

std::string protocol_port(Protocol p, std::uint16_t port);  // "3000/tcp"

}  // namespace whyno::detail
