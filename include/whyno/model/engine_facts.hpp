#pragma once
// What the container engine says: its containers, networks and settings.
// This is intent; the kernel facts are truth. The diagnosis compares them.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "whyno/util/ip_address.hpp"
#include "whyno/model/netns_facts.hpp"
#include "whyno/model/protocol.hpp"

namespace whyno {

struct PortBinding {
  Protocol protocol = Protocol::tcp;
  std::uint16_t container_port = 0;
  std::string host_ip;          // "" = every address (the daemon default)
  std::uint16_t host_port = 0;  // 0 = not published / ephemeral
};

struct ExposedPort {
  Protocol protocol = Protocol::tcp;
  std::uint16_t port = 0;
  friend auto operator<=>(const ExposedPort&, const ExposedPort&) = default;
};

struct ContainerNetwork {
  std::string name;  // the key of NetworkSettings.Networks
  std::string network_id;
  std::optional<IpAddress> ipv4;
  unsigned ipv4_prefix_len = 0;
  std::optional<IpAddress> ipv6;
  std::optional<IpAddress> gateway;
  std::vector<std::string> aliases;    // network-scoped aliases
  std::vector<std::string> dns_names;  // API >= 1.44
};

struct ContainerState {
  std::string status;  // created|running|paused|restarting|removing|exited|dead
  bool running = false;
  bool paused = false;
  bool restarting = false;
  bool oom_killed = false;
  bool dead = false;
  int pid = 0;
  int exit_code = 0;
  std::string error;  // the engine's error, e.g. "port is already allocated"
  std::string started_at;
  std::string finished_at;
  int restart_count = 0;
};

/// One app container of a Kubernetes pod, as its runtime's metadata has it.
struct PodContainer {
  std::string name;  // io.kubernetes.container.name
  std::string id;
  bool running = false;  // its task's process lives
};

/// The Kubernetes pod a namespace of no engine is, named from its runtime's
/// metadata (containerd's labels). An empty name: not a pod, or none known.
struct Pod {
  std::string namespace_name;  // "shop"
  std::string name;            // "web-7d4b9c-xk2lp"
  std::string uid;
  std::vector<PodContainer> containers;  // its app containers, not the sandbox

  bool known() const { return !name.empty(); }
  /// "shop/web-7d4b9c-xk2lp", as kubectl names it.
  std::string qualified() const { return namespace_name + "/" + name; }
};

struct Container {
  /// A container of an engine, or a bare network namespace the user named
  /// with --pid or --netns (no engine: no bindings, no restart state).
  enum class Kind : std::uint8_t { container, namespace_only };
  Kind kind = Kind::container;
  std::string id;    // full 64-hex id
  std::string name;  // without the leading '/'
  std::string image;
  std::string created;  // RFC 3339
  ContainerState state;
  std::string network_mode;           // "default", "bridge", "host", "none", "container:<id>", <net>
  std::vector<PortBinding> intended;  // HostConfig.PortBindings
  bool publish_all = false;           // -P
  std::vector<PortBinding> actual;    // NetworkSettings.Ports with a host side
  std::vector<ExposedPort> exposed;   // Config.ExposedPorts (EXPOSE / --expose)
  std::vector<ContainerNetwork> networks;
  std::string sandbox_key;         // /var/run/docker/netns/<id>
  std::string hosts_path;          // its /etc/hosts, on the host's filesystem
  std::vector<std::string> links;  // HostConfig.Links, "/a:/b/alias"
  std::string hostname;
  // Compose: Config.Labels com.docker.compose.project / .service.
  std::string compose_project;
  std::string compose_service;
  /// The endpoint (EngineIdentity::endpoint) of the engine that reported it:
  /// a host may run Docker and podman side by side.
  std::string engine;
  /// That engine's kind, "docker" or "podman": which CLI the fixes name.
  std::string engine_kind;
  /// Who runs that engine: 0 for root's, else the user whose rootless
  /// engine (its socket, or podman's files in their home) reported it. A
  /// user's engine is believed about that user's containers only.
  unsigned engine_uid = 0;
  /// false: only the engine's container list was read for it (a query
  /// about one port needs no more of a container off its path), so it has
  /// id, name, image, state.status, network_mode, the live bindings, the
  /// networks' addresses and the Compose labels, and nothing else: no pid,
  /// no intended bindings, no exposed ports, no aliases, no created time.
  bool inspected = true;
  /// The pod a namespace of no engine is (Kind::namespace_only).
  Pod pod;
};

/// The command line tool that manages `c`: "podman" or "docker".
inline const char* cli_of(const Container& c) { return c.engine_kind == "podman" ? "podman" : "docker"; }

struct Network {
  std::string id;
  std::string name;
  std::string driver;  // bridge, host, null, overlay, macvlan, ...
  std::string scope;
  bool internal = false;
  bool enable_ipv6 = false;
  std::vector<IpPrefix> subnets;
  std::vector<IpAddress> gateways;
  std::map<std::string, std::string> options;
  std::string engine;  // the endpoint of the engine that reported it

  bool is_default_bridge() const;
  /// The Linux bridge device, e.g. docker0 or br-<id12>; "" when not a bridge.
  std::string bridge_name() const;
};

/// /etc/docker/daemon.json, with the engine's defaults for absent keys.
struct DaemonConfig {
  bool read = false;  // false: file absent or unreadable, defaults apply
  std::string path;
  bool userland_proxy = true;
  bool iptables = true;
  bool ip6tables = false;
  bool ip_forward = true;
  bool ip_masq = true;
  bool icc = true;
  std::string ip = "0.0.0.0";    // default host binding address
  std::string firewall_backend;  // Docker 29: "iptables" | "nftables" | ""
  std::string problem;           // why the file could not be used, if it couldn't
};

/// One engine that answered: who it is and where it listens.
struct EngineIdentity {
  std::string kind;             // "docker" or "podman"
  std::string version;          // "20.10.24+dfsg1", "4.3.1"
  std::string api_version;      // the negotiated one, e.g. "1.41"
  std::string endpoint;         // the unix socket path we talked to
  bool rootless = false;        // its socket belongs to a user other than root
  std::optional<unsigned> uid;  // the socket's owner, when known
  /// Read from the engine's files, without its API (podman with no service):
  /// port bindings are not known then.
  bool from_files = false;
};

/// A claim of a user's engine that root's engines contradict: the same
/// container id or name. Root's engines are authoritative for what they
/// report; the user's claim is shown, never merged.
struct NotBelieved {
  unsigned uid = 0;    // whose engine made the claim
  std::string engine;  // its endpoint
  std::string claim;   // "it reports container `web` (3f2a...), which root's engine at ... reports"
};

/// What the engines say, merged: every container and network of every engine
/// that answered, each remembering its engine (Container::engine). The first
/// four fields are the first engine's, as snapshots of format 1 have them.
struct Engine {
  std::string product;      // "docker" or "podman"
  std::string version;      // "20.10.24+dfsg1"
  std::string api_version;  // the negotiated one, e.g. "1.41"
  std::string socket;       // the unix socket path we talked to
  std::vector<Container> containers;
  std::vector<Network> networks;
  std::vector<std::string> warnings;    // GET /info Warnings
  DaemonConfig config;                  // Docker's daemon.json (defaults for podman alone)
  std::vector<EngineIdentity> engines;  // every engine read, in discovery order
  /// Engines that were found but did not answer, while others did.
  /// The list holds only the containers a ListFilter matched (a question
  /// about one port), not every one: narrowed_list_suffices said so.
  bool narrowed = false;
  std::vector<Unread> unread;
  /// Containers of users' engines left out because root's engines report
  /// the same id or name.
  std::vector<NotBelieved> not_believed;
  /// No engine runs on this host (no socket where engines keep theirs, no
  /// podman files): what was looked for, in a sentence. The host is then
  /// read as it is, its namespaces found by the packet. "" otherwise.
  std::string absent;

  /// `engines`, or for a snapshot that predates it, the one engine it names.
  std::vector<EngineIdentity> identities() const;
};

/// "podman 4.3.1 (rootful)", "docker 20.10.24", "podman 4.3.1 (rootless, uid 1000)".
std::string describe(const EngineIdentity& engine);

}  // namespace whyno
