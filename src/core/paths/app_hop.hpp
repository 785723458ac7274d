#pragma once
// The last hop: what the app's sockets say about the traffic (app_hop.cpp).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "app_check.hpp"
#include "walk.hpp"
#include "whyno/model/facts.hpp"

namespace whyno::detail {

/// How traffic reaches an app, for judging the last hop.
struct AppContext {
  const Container* container = nullptr;  // whose network namespace it is
  const NetnsFacts* netns = nullptr;
  /// The engines' containers: the app's process may be another container's
  /// than the namespace's owner (a sidecar: --network container:web).
  const Engine* engine = nullptr;
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
  /// Its commands, when it has some (re-publishing the port).
  std::function<std::vector<std::string>(std::uint16_t app_port)> other_port_commands;
  /// The fix when the app listens with the other protocol on this port.
  std::string other_protocol_fix;
  std::optional<int> somaxconn;
  std::int64_t collected_at = 0;  // when the facts were read: a crash loop is recent restarts
};

/// Where the app holding `l` runs, for sentences: "container `web`", or for
/// a sidecar "container `app` (sharing the network namespace of container
/// `web`)".
std::string app_where(const Listener* l, const AppContext& context);

/// Adds the final hop (and its problem, if any) from an app check.
void judge_app(Walk& walk, const AppCheck& check, const AppContext& context);

}  // namespace whyno::detail
